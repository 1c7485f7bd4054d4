package io.finchconnect.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

import io.finchconnect.testing.ManagementInterface;
import io.quarkus.test.junit.QuarkusTest;

/**
 * The OpenAPI document describes every endpoint of the HTTP API (docs/api-and-events.md) and the operator endpoints, each with a
 * summary and an example, and declares the bearer JWT scheme. The copy committed for integrators,
 * docs/openapi.yaml, is the document the build generates (quarkus.smallrye-openapi.store-schema-directory), and the
 * one the service serves, so it cannot drift from the code.
 */
@QuarkusTest
class OpenApiDocumentTest {

    private static final List<String[]> ENDPOINTS = List.of(
            new String[] { "post", "/v1/connect/sessions" },
            new String[] { "post", "/v1/connect/sessions/reauthenticate" },
            new String[] { "get", "/v1/customers/{customer_id}/connect-link" },
            new String[] { "get", "/v1/customers/{customer_id}" },
            new String[] { "post", "/v1/customers/{customer_id}/connect-links" },
            new String[] { "get", "/v1/connections/{connection_id}" },
            new String[] { "get", "/v1/connections/{connection_id}/access-token" },
            new String[] { "get", "/v1/connect/callback" },
            new String[] { "post", "/v1/connect/authorizations" },
            new String[] { "post", "/v1/webhooks/finch" },
            new String[] { "post", "/v1/connections/{connection_id}/reauth-required" },
            new String[] { "post", "/v1/connections/{connection_id}/disconnect" },
            new String[] { "get", "/v1/connections" },
            new String[] { "get", "/v1/admin/outbox/parked" },
            new String[] { "post", "/v1/admin/outbox/parked/{event_id}/requeue" },
            new String[] { "post", "/v1/admin/outbox/parked/{event_id}/skip" },
            new String[] { "post", "/v1/admin/outbox/parked/requeue" },
            new String[] { "get", "/v1/admin/token-vault" },
            new String[] { "post", "/v1/admin/token-vault/re-encrypt" });

    @Test
    void everyEndpointIsDescribedWithASummaryAndAnExample() throws Exception {
        JsonNode document = new ObjectMapper().readTree(ManagementInterface.given().queryParam("format", "json").get("/q/openapi")
                .then().statusCode(200).extract().asString());

        for (String[] endpoint : ENDPOINTS) {
            JsonNode operation = document.path("paths").path(endpoint[1]).path(endpoint[0]);
            assertThat(operation.isMissingNode()).as("%s %s is described", endpoint[0], endpoint[1]).isFalse();
            assertThat(operation.path("summary").asText()).as("summary of %s %s", endpoint[0], endpoint[1]).isNotBlank();
            assertThat(operation.toString()).as("example of %s %s", endpoint[0], endpoint[1]).contains("\"examples\"");
        }
        assertThat(document.path("components").path("securitySchemes").toString()).contains("bearer");
    }

    @Test
    void theCommittedDocumentIsTheOneTheBuildGeneratesAndTheServiceServes() throws IOException {
        Path generated = Path.of("target/openapi/openapi.yaml");
        assertThat(generated).as("written by this test run's build (quarkus.smallrye-openapi.store-schema-directory)").exists();
        String committed = Files.readString(Path.of("docs/openapi.yaml"));
        assertThat(committed).as("docs/openapi.yaml is out of date: copy target/openapi/openapi.yaml over it")
                .isEqualTo(Files.readString(generated));
        JsonNode served = new ObjectMapper().readTree(ManagementInterface.given().queryParam("format", "json")
                .get("/q/openapi").then().statusCode(200).extract().asString());
        assertThat(new ObjectMapper(new YAMLFactory()).readTree(committed)).as("docs/openapi.yaml against /q/openapi")
                .isEqualTo(served);
    }
}
