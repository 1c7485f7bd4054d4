package io.finchconnect.deploy;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.introspect.Annotated;
import com.fasterxml.jackson.databind.introspect.JacksonAnnotationIntrospector;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.KubernetesResource;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;

/**
 * Reads a manifest into the fabric8 Kubernetes model as strictly as the API server's field validation would.
 * fabric8's own deserialization keeps unknown fields (a misspelt {@code livenessProb}) in each object's
 * {@code additionalProperties} and mistyped values too, so it accepts anything; this one resolves the class
 * from apiVersion and kind with fabric8, then reads the object again with the catch-all setter switched off,
 * so an unknown field or a wrong type fails with its path.
 */
final class StrictKubernetesModel {

    private static final KubernetesSerialization FABRIC8 = new KubernetesSerialization();

    private static final ObjectMapper STRICT = new ObjectMapper()
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .setAnnotationIntrospector(new JacksonAnnotationIntrospector() {
                @Override
                public Boolean hasAnySetter(Annotated annotated) {
                    return Boolean.FALSE;
                }
            });

    private StrictKubernetesModel() {
    }

    /** Whether the API group is one Kubernetes itself serves (core, apps, *.k8s.io), so fabric8 models it. */
    static boolean isBuiltIn(JsonNode object) {
        String apiVersion = object.path("apiVersion").asText();
        if (!apiVersion.contains("/")) {
            return true;
        }
        String group = apiVersion.substring(0, apiVersion.indexOf('/'));
        return !group.contains(".") || group.endsWith(".k8s.io");
    }

    /** The class fabric8 models this apiVersion and kind with; GenericKubernetesResource when it has none. */
    static Class<?> modelClass(JsonNode object) {
        // Only apiVersion and kind choose the class; the body is read by the strict mapper alone.
        String stub = "{\"apiVersion\":" + object.path("apiVersion") + ",\"kind\":" + object.path("kind") + "}";
        KubernetesResource resource = FABRIC8.unmarshal(stub);
        return resource.getClass();
    }

    static Object readStrictly(JsonNode object) {
        Class<?> type = modelClass(object);
        if (type == GenericKubernetesResource.class) {
            throw new AssertionError("fabric8 has no model for " + object.path("apiVersion").asText() + " "
                    + object.path("kind").asText());
        }
        try {
            return STRICT.treeToValue(object, type);
        } catch (JsonProcessingException e) {
            throw new AssertionError(object.path("kind").asText() + " " + object.path("metadata").path("name").asText()
                    + " does not match the Kubernetes schema: " + e.getOriginalMessage() + " at "
                    + e.getLocation() + " " + pathOf(e), e);
        }
    }

    /** A part of an object (a custom resource's metadata) read strictly into the given model class. */
    static <T> T readStrictlyAs(JsonNode part, Class<T> type, String owner) {
        try {
            return STRICT.treeToValue(part, type);
        } catch (JsonProcessingException e) {
            throw new AssertionError(owner + ": " + type.getSimpleName() + " does not match the Kubernetes schema: "
                    + e.getOriginalMessage() + " " + pathOf(e), e);
        }
    }

    static GenericKubernetesResource readGeneric(JsonNode object) {
        return FABRIC8.convertValue(object, GenericKubernetesResource.class);
    }

    private static String pathOf(JsonProcessingException e) {
        return e instanceof com.fasterxml.jackson.databind.JsonMappingException mapping ? mapping.getPathReference() : "";
    }
}
