package io.finchconnect.connection;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.lang.reflect.RecordComponent;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

import io.finchconnect.connection.events.ConnectionEvents;

/**
 * The AsyncAPI document parses, names every event type the code publishes, and lists exactly the fields the
 * code writes for each, so the contract and the code cannot drift apart. Every message has examples, and each
 * example holds to its message's schemas: required fields present, no field the schema does not name, types,
 * enums, constants and formats (date-time, uuid, uri) right, headers included.
 */
class AsyncApiDocumentTest {

    private final JsonNode document = read();

    @Test
    void isAnAsyncApi3DocumentWithBothTopics() {
        assertThat(document.path("asyncapi").asText()).isEqualTo("3.0.0");
        assertThat(document.path("channels").path("connectionEvents").path("address").asText()).isEqualTo("finch.connection-events");
        assertThat(document.path("channels").path("finchWebhooks").path("address").asText()).isEqualTo("finch.webhooks");
    }

    @Test
    void everyReferenceResolves() {
        List<String> references = new ArrayList<>();
        collectReferences(document, references);
        assertThat(references).isNotEmpty();
        for (String reference : references) {
            assertThat(document.at(reference.substring(1)).isMissingNode()).as(reference).isFalse();
        }
    }

    @Test
    void payloadsListExactlyTheFieldsTheCodeWrites() {
        assertFields("reauthNeeded", ConnectionEvents.REAUTH_NEEDED, ConnectionEvents.ReauthNeeded.class);
        assertFields("reauthenticated", ConnectionEvents.REAUTHENTICATED, ConnectionEvents.Reauthenticated.class);
        assertFields("disconnected", ConnectionEvents.DISCONNECTED, ConnectionEvents.Disconnected.class);
        assertFields("dataSynced", ConnectionEvents.DATA_SYNCED, ConnectionEvents.DataSynced.class);
        assertFields("stale", ConnectionEvents.STALE, ConnectionEvents.Stale.class);
        assertThat(fieldsOf(message("reauthNeeded").path("payload").path("properties").path("reauth_session").path("properties")))
                .containsExactlyInAnyOrderElementsOf(snakeCase(ConnectionEvents.ReauthSession.class));
    }

    @Test
    void establishedListsTheFieldsOfTheDesign() {
        assertThat(message("established").path("name").asText()).isEqualTo("finch.connection.established");
        assertThat(fieldsOf(message("established").path("payload").path("properties"))).containsExactlyInAnyOrder(
                "connection_id", "customer_id", "customer_name", "company_id", "provider_id", "products",
                "connection_type", "entity_ids", "connected_at", "connection_status", "entities");
        assertFields("established", ConnectionEvents.ESTABLISHED, io.finchconnect.connection.events.Established.class);
    }

    @Test
    void everyMessageHasExamplesThatHoldToItsSchemas() {
        List<String> problems = new ArrayList<>();
        document.path("components").path("messages").fields().forEachRemaining(entry -> {
            String name = entry.getKey();
            JsonNode message = entry.getValue();
            JsonNode examples = message.path("examples");
            if (!examples.isArray() || examples.isEmpty()) {
                problems.add(name + ": no examples");
                return;
            }
            JsonNode headers = headersOf(message);
            for (JsonNode example : examples) {
                String where = name + " example '" + example.path("name").asText() + "'";
                if (!example.has("payload")) {
                    problems.add(where + ": no payload");
                }
                validate(message.path("payload"), example.path("payload"), where + " payload", problems);
                if (!headers.isMissingNode()) {
                    validate(headers, example.path("headers"), where + " headers", problems);
                }
                if (headers.path("properties").has("ce_type")) {
                    if (!example.path("headers").path("ce_type").asText().equals(message.path("name").asText())) {
                        problems.add(where + ": ce_type is not the message's name " + message.path("name").asText());
                    }
                    if (!example.path("headers").path("ce_subject").equals(example.path("payload").path("connection_id"))) {
                        problems.add(where + ": ce_subject is not the payload's connection_id");
                    }
                }
            }
        });
        assertThat(problems).as("examples of the AsyncAPI document").isEmpty();
    }

    @Test
    void theExampleCheckFindsAMissingFieldAWrongTypeAndAnUnknownField() throws Exception {
        JsonNode broken = new ObjectMapper().readTree("""
                {"connection_id": "c1", "customer_name": "Acme", "company_id": "co1", "provider_id": "gusto",
                 "products": "company directory", "connection_type": "provider", "entity_ids": [],
                 "connected_at": "yesterday", "token": "secret"}""");
        List<String> problems = new ArrayList<>();
        validate(message("established").path("payload"), broken, "established", problems);
        assertThat(problems).hasSize(6).anyMatch(p -> p.contains("customer_id")).anyMatch(p -> p.contains("products"))
                .anyMatch(p -> p.contains("connected_at")).anyMatch(p -> p.contains("token"))
                .anyMatch(p -> p.contains("connection_status")).anyMatch(p -> p.contains("entities"));
    }

    /** The headers schema of a message: its own, or that of its first trait that has one. */
    private JsonNode headersOf(JsonNode message) {
        if (message.has("headers")) {
            return message.path("headers");
        }
        for (JsonNode trait : message.path("traits")) {
            JsonNode resolved = trait.has("$ref") ? document.at(trait.path("$ref").asText().substring(1)) : trait;
            if (resolved.has("headers")) {
                return resolved.path("headers");
            }
        }
        return com.fasterxml.jackson.databind.node.MissingNode.getInstance();
    }

    /** The part of JSON Schema the document uses: type, required, properties (closed), items, enum, const, format. */
    private static void validate(JsonNode schema, JsonNode value, String path, List<String> problems) {
        JsonNode type = schema.path("type");
        if (!type.isMissingNode()) {
            List<String> allowed = new ArrayList<>();
            if (type.isArray()) {
                type.forEach(t -> allowed.add(t.asText()));
            } else {
                allowed.add(type.asText());
            }
            if (allowed.stream().noneMatch(t -> isOfType(value, t))) {
                problems.add(path + ": expected " + String.join(" or ", allowed) + ", got " + value);
                return;
            }
        }
        if (schema.has("const") && !schema.path("const").equals(value)) {
            problems.add(path + ": expected " + schema.path("const") + ", got " + value);
        }
        if (schema.has("enum")) {
            boolean listed = false;
            for (JsonNode option : schema.path("enum")) {
                listed |= option.equals(value);
            }
            if (!listed) {
                problems.add(path + ": " + value + " is not one of " + schema.path("enum"));
            }
        }
        if (value.isTextual() && schema.has("format") && !hasFormat(value.asText(), schema.path("format").asText())) {
            problems.add(path + ": " + value + " is not a " + schema.path("format").asText());
        }
        if (value.isObject()) {
            for (JsonNode required : schema.path("required")) {
                if (!value.has(required.asText())) {
                    problems.add(path + ": required field " + required.asText() + " missing");
                }
            }
            JsonNode properties = schema.path("properties");
            value.fields().forEachRemaining(field -> {
                if (properties.has(field.getKey())) {
                    validate(properties.path(field.getKey()), field.getValue(), path + "." + field.getKey(), problems);
                } else if (properties.isObject()) {
                    problems.add(path + ": field " + field.getKey() + " is not in the schema");
                }
            });
        }
        if (value.isArray() && schema.has("items")) {
            for (int i = 0; i < value.size(); i++) {
                validate(schema.path("items"), value.get(i), path + "[" + i + "]", problems);
            }
        }
    }

    private static boolean isOfType(JsonNode value, String type) {
        return switch (type) {
            case "string" -> value.isTextual();
            case "object" -> value.isObject();
            case "array" -> value.isArray();
            case "boolean" -> value.isBoolean();
            case "integer" -> value.isIntegralNumber();
            case "number" -> value.isNumber();
            case "null" -> value.isNull();
            default -> throw new IllegalStateException("type " + type + " not known to this check");
        };
    }

    private static boolean hasFormat(String value, String format) {
        try {
            switch (format) {
                case "date-time" -> OffsetDateTime.parse(value);
                case "uuid" -> {
                    if (!UUID.fromString(value).toString().equals(value)) {
                        return false;
                    }
                }
                case "uri" -> {
                    if (!new URI(value).isAbsolute()) {
                        return false;
                    }
                }
                default -> throw new IllegalStateException("format " + format + " not known to this check");
            }
            return true;
        } catch (DateTimeParseException | IllegalArgumentException | URISyntaxException e) {
            return false;
        }
    }

    private void assertFields(String message, String type, Class<? extends Record> data) {
        assertThat(message(message).path("name").asText()).isEqualTo(type);
        assertThat(fieldsOf(message(message).path("payload").path("properties"))).containsExactlyInAnyOrderElementsOf(snakeCase(data));
    }

    private JsonNode message(String name) {
        return document.path("components").path("messages").path(name);
    }

    private static List<String> fieldsOf(JsonNode properties) {
        List<String> names = new ArrayList<>();
        properties.fieldNames().forEachRemaining(names::add);
        return names;
    }

    private static List<String> snakeCase(Class<? extends Record> type) {
        PropertyNamingStrategies.SnakeCaseStrategy snake = new PropertyNamingStrategies.SnakeCaseStrategy();
        return Arrays.stream(type.getRecordComponents()).map(RecordComponent::getName).map(snake::translate).toList();
    }

    private static void collectReferences(JsonNode node, List<String> references) {
        if (node.isObject()) {
            node.fields().forEachRemaining(field -> {
                if (field.getKey().equals("$ref")) {
                    references.add(field.getValue().asText());
                } else {
                    collectReferences(field.getValue(), references);
                }
            });
        } else if (node.isArray()) {
            node.forEach(child -> collectReferences(child, references));
        }
    }

    private static JsonNode read() {
        try (InputStream yaml = AsyncApiDocumentTest.class.getResourceAsStream("/asyncapi/finch-connection-events.yaml")) {
            return new ObjectMapper(new YAMLFactory()).readTree(yaml);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
