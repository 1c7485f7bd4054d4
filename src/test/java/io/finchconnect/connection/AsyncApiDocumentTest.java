package io.finchconnect.connection;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.lang.reflect.RecordComponent;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

import io.finchconnect.connection.events.ConnectionEvents;

/**
 * The AsyncAPI document parses, names every event type the code publishes, and lists exactly the fields the
 * code writes for each, so the contract and the code cannot drift apart.
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
        assertThat(fieldsOf(message("reauthNeeded").path("payload").path("properties").path("reauth_session").path("properties")))
                .containsExactlyInAnyOrderElementsOf(snakeCase(ConnectionEvents.ReauthSession.class));
    }

    @Test
    void establishedListsTheFieldsOfTheDesign() {
        assertThat(message("established").path("name").asText()).isEqualTo("finch.connection.established");
        assertThat(fieldsOf(message("established").path("payload").path("properties"))).containsExactlyInAnyOrder(
                "connection_id", "customer_id", "customer_name", "company_id", "provider_id", "products",
                "connection_type", "entity_ids", "connected_at");
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
