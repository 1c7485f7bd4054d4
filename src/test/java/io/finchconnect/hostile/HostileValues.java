package io.finchconnect.hostile;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Tuple;

/**
 * Generators of what a hostile or broken client sends: JSON of the expected shape with hostile values, the
 * same cut short, and plain noise; header and parameter values. Built from jqwik's combinators only, so a
 * failure shrinks to a small example.
 */
final class HostileValues {

    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private static final ObjectMapper PLAIN = new ObjectMapper();
    private static final ObjectMapper ASCII = JsonMapper.builder().enable(JsonGenerator.Feature.ESCAPE_NON_ASCII).build();

    private HostileValues() {
    }

    /** Strings that break naive code: empty, blank, control characters and NUL, any UTF-16 unit, too long. */
    static Arbitrary<String> strings() {
        return Arbitraries.frequencyOf(
                Tuple.of(3, Arbitraries.strings().all().ofMaxLength(40)),
                Tuple.of(2, Arbitraries.strings().withCharRange('\u0000', '\u001f').withChars(' ', '"', '\\')
                        .ofMinLength(1).ofMaxLength(6)),
                Tuple.of(2, Arbitraries.strings().withChars('x').ofMinLength(250).ofMaxLength(1100)),
                Tuple.of(1, Arbitraries.strings().withChars('y').ofMinLength(2000).ofMaxLength(5000)),
                Tuple.of(2, Arbitraries.of("", " ", "null", "0", "-1", "company", "company directory", "finch",
                        "provider", "oauth", "reauth", "connected", "account.updated", "' OR 1=1 --", "<script>", "%00",
                        "\u0000", "😀", "\ud800", "http://localhost:8081/v1/connect/callback")));
    }

    /** Any JSON value: scalars of every type, hostile strings, small arrays and objects of them. */
    static Arbitrary<JsonNode> values() {
        Arbitrary<JsonNode> scalars = Arbitraries.oneOf(
                Arbitraries.just(NODES.nullNode()),
                Arbitraries.of(true, false).map(NODES::booleanNode),
                Arbitraries.longs().map(NODES::numberNode),
                Arbitraries.integers().between(-2, 600_000).map(NODES::numberNode),
                Arbitraries.doubles().map(NODES::numberNode),
                Arbitraries.of("1e999", "-0.0", "12345678901234567890123").map(text -> NODES.numberNode(new java.math.BigDecimal(text))),
                strings().map(NODES::textNode));
        Arbitrary<JsonNode> arrays = scalars.list().ofMaxSize(4).map(items -> {
            var array = NODES.arrayNode();
            items.forEach(array::add);
            return array;
        });
        Arbitrary<JsonNode> objects = Arbitraries.maps(Arbitraries.strings().all().ofMaxLength(8), scalars).ofMaxSize(3).map(HostileValues::object);
        return Arbitraries.frequencyOf(Tuple.of(6, scalars), Tuple.of(1, arrays),
                Tuple.of(1, objects));
    }

    /**
     * A JSON object with each of {@code fields} present or not, valued by its own generator or by any hostile
     * value, plus now and then a field nobody asked for.
     */
    static Arbitrary<ObjectNode> objectWith(Map<String, Arbitrary<JsonNode>> fields) {
        List<Arbitrary<Optional<Map.Entry<String, JsonNode>>>> members = new ArrayList<>();
        fields.forEach((name, valid) -> members.add(Arbitraries.frequencyOf(
                Tuple.of(5, valid), Tuple.of(2, values()))
                .map(value -> Map.entry(name, value)).optional(0.8)));
        members.add(Combinators.combine(Arbitraries.strings().all().ofMaxLength(12), values())
                .as((name, value) -> Map.entry(name, value)).optional(0.2));
        return Combinators.combine(members).as(entries -> {
            ObjectNode object = NODES.objectNode();
            entries.forEach(entry -> entry.ifPresent(e -> object.set(e.getKey(), e.getValue())));
            return object;
        });
    }

    /** The object as JSON, sometimes with every non-ASCII character escaped, sometimes cut short. */
    static Arbitrary<String> json(Arbitrary<? extends JsonNode> nodes) {
        Arbitrary<String> whole = Combinators.combine(nodes, Arbitraries.of(false, true))
                .as((node, escaped) -> write(escaped ? ASCII : PLAIN, node));
        Arbitrary<String> cut = Combinators.combine(whole, Arbitraries.doubles().between(0, 1))
                .as((text, share) -> text.substring(0, (int) (text.length() * share)));
        return Arbitraries.frequencyOf(Tuple.of(8, whole), Tuple.of(1, cut),
                Tuple.of(1, strings()));
    }

    /** Values an HTTP client can put in a header: printable ASCII and Latin-1, tabs, numbers, near-misses. */
    static Arbitrary<String> headerValues() {
        return Arbitraries.oneOf(
                Arbitraries.strings().withCharRange(' ', '~').withCharRange('\u00a0', '\u00ff').withChars('\t').ofMaxLength(60),
                Arbitraries.strings().withCharRange(' ', '~').ofMinLength(250).ofMaxLength(600),
                Arbitraries.longs().map(String::valueOf),
                Arbitraries.of("", " ", "v1,", "v1", ",", "v1,=", "v2,abc", "v1,!!!", "v1,AAAA v1,BBBB", "0", "-1",
                        "9223372036854775807", "-9223372036854775808", "99999999999999999999", "1e9", " 1700000000 "));
    }

    static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private static ObjectNode object(Map<String, JsonNode> members) {
        ObjectNode object = NODES.objectNode();
        members.forEach(object::set);
        return object;
    }

    private static String write(ObjectMapper mapper, JsonNode node) {
        try {
            return mapper.writeValueAsString(node);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
