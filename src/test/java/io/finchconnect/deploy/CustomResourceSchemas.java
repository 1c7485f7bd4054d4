package io.finchconnect.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.networknt.schema.Error;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.dialect.Dialect;
import com.networknt.schema.dialect.Dialects;
import com.networknt.schema.keyword.NonValidationKeyword;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;

/**
 * The operators' CRD schemas (their served version's openAPIV3Schema, vendored under
 * {@code src/test/resources/crd-schemas/<group>/<kind>_<version>.json} at the releases deploy/README.md pins) and
 * validation of a rendered custom resource against them, as the API server would read it.
 *
 * <p>A CRD schema names the fields it knows and says nothing about others: the API server drops ("prunes") an
 * unknown field, so a misspelt {@code replicass} is silently lost and the resource applies without it. Here an
 * unknown field is an error instead: every object schema that lists {@code properties} and neither declares
 * {@code additionalProperties} nor keeps unknown fields ({@code x-kubernetes-preserve-unknown-fields}) is read
 * with {@code additionalProperties: false}. Schemas under {@code allOf}/{@code anyOf}/{@code oneOf}/{@code not}
 * only constrain (a structural schema declares no fields there), so they are left as they are. CEL rules
 * ({@code x-kubernetes-validations}) are not evaluated.
 */
final class CustomResourceSchemas {

    private static final ObjectMapper JSON = new ObjectMapper();
    /** OpenAPI 3.0's schema dialect, which CRDs are written in, knowing Kubernetes' extensions (none validates). */
    private static final Dialect KUBERNETES = Dialect.builder(Dialects.getOpenApi30())
            .keywords(Stream.of("x-kubernetes-preserve-unknown-fields", "x-kubernetes-int-or-string",
                    "x-kubernetes-embedded-resource", "x-kubernetes-list-type", "x-kubernetes-list-map-keys",
                    "x-kubernetes-map-type", "x-kubernetes-validations").map(NonValidationKeyword::new).toList())
            .build();
    private static final SchemaRegistry REGISTRY = SchemaRegistry.withDefaultDialect(KUBERNETES);
    private static final Map<String, Optional<Schema>> SCHEMAS = new ConcurrentHashMap<>();

    private CustomResourceSchemas() {
    }

    /** The vendored schema's resource path for this object's apiVersion and kind. */
    static String resource(JsonNode object) {
        String apiVersion = object.path("apiVersion").asText();
        int slash = apiVersion.indexOf('/');
        String group = slash < 0 ? "core" : apiVersion.substring(0, slash);
        String version = apiVersion.substring(slash + 1);
        return "crd-schemas/" + group + "/" + object.path("kind").asText().toLowerCase(Locale.ROOT) + "_" + version + ".json";
    }

    static boolean has(JsonNode object) {
        return schema(resource(object)).isPresent();
    }

    /** The schema violations of the object, each with its path; empty when it is valid. */
    static List<String> violations(JsonNode object) {
        String resource = resource(object);
        Schema schema = schema(resource).orElseThrow(() -> new AssertionError("no vendored CRD schema " + resource + " for "
                + object.path("apiVersion").asText() + " " + object.path("kind").asText()));
        List<Error> errors = schema.validate(object);
        return errors.stream().map(error -> error.getInstanceLocation() + ": " + error.getMessage()).toList();
    }

    private static Optional<Schema> schema(String resource) {
        return SCHEMAS.computeIfAbsent(resource, CustomResourceSchemas::load);
    }

    private static Optional<Schema> load(String resource) {
        try (InputStream in = CustomResourceSchemas.class.getClassLoader().getResourceAsStream(resource)) {
            if (in == null) {
                return Optional.empty();
            }
            JsonNode openApi = JSON.readTree(in);
            return Optional.of(REGISTRY.getSchema(pruningUnknownFields(openApi.deepCopy())));
        } catch (IOException e) {
            throw new UncheckedIOException(resource, e);
        }
    }

    /** The schema with additionalProperties: false wherever the API server would prune unknown fields. */
    static JsonNode pruningUnknownFields(JsonNode schema) {
        if (!(schema instanceof ObjectNode node)) {
            return schema;
        }
        if (node.has("properties") && !node.has("additionalProperties")
                && !node.path("x-kubernetes-preserve-unknown-fields").asBoolean(false)) {
            node.put("additionalProperties", false);
        }
        node.path("properties").forEach(CustomResourceSchemas::pruningUnknownFields);
        JsonNode items = node.path("items");
        if (items.isArray()) {
            items.forEach(CustomResourceSchemas::pruningUnknownFields);
        } else {
            pruningUnknownFields(items);
        }
        pruningUnknownFields(node.path("additionalProperties"));
        return node;
    }
}
