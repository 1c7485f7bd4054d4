package io.finchconnect.testing;

import static io.restassured.RestAssured.given;

import java.util.HexFormat;
import java.util.Map;
import java.util.UUID;

import io.finchconnect.connection.vault.EncryptedToken;
import io.finchconnect.connection.vault.TokenVault;
import io.finchconnect.connection.vault.TokenVaultKeys;
import io.restassured.path.json.JsonPath;

/**
 * Connections that exist both at the Finch simulator (authorized through {@link Finch} and exchanged at
 * its {@code /auth/token}) and in this service's database, for tests of what happens to a connection later.
 */
public final class SimulatedConnections {

    private SimulatedConnections() {
    }

    public record SimulatedConnection(String customerId, String connectionId, String companyId, String providerId) {
    }

    /** A customer who authorized at Finch (the simulator): the code Finch hands back for the service to exchange. */
    public static String codeAuthorizedAtFinch(String customerId) {
        return Finch.completeSession(Finch.createSession(customerId)).code();
    }

    /** A connection the service itself stored, through the embedded flow's code exchange; returns its id. */
    public static String establishedThroughTheService(String customerId) {
        return given().auth().oauth2(TestStack.get().jwt().token("sessions:write")).contentType("application/json")
                .body(Map.of("code", codeAuthorizedAtFinch(customerId), "customer_id", customerId))
                .post("/v1/connect/authorizations").then().statusCode(201).extract().path("connection_id");
    }

    /** A connection at Finch written straight into the database, for tests of what happens to it later. */
    public static SimulatedConnection connected() {
        TestStack stack = TestStack.get();
        String finch = stack.finchBaseUrl();
        Map<String, String> config = stack.config();
        String customerId = "cust-" + UUID.randomUUID();
        String code = codeAuthorizedAtFinch(customerId);
        JsonPath token = given().baseUri(finch).header("Finch-API-Version", "2020-09-17").contentType("application/json")
                .body(Map.of("code", code, "client_id", config.get("finch.client-id"), "client_secret", config.get("finch.client-secret")))
                .post("/auth/token").then().statusCode(200).extract().jsonPath();
        // As Finch granted them: the entities of the token's answer, each connected; and as last observed: Finch's
        // last successful sync, so a later observation that changes nothing at Finch changes nothing here.
        String entityIds = String.join(",", token.getList("entity_ids", String.class));
        String lastSync = given().baseUri(finch).header("Finch-API-Version", "2020-09-17")
                .auth().oauth2(token.getString("access_token")).get("/introspect").then().statusCode(200)
                .extract().path("connection_status.last_successful_sync");
        SimulatedConnection connection = new SimulatedConnection(customerId, token.getString("connection_id"),
                token.getString("company_id"), token.getString("provider_id"));
        // The token is sealed as the service seals it: status hints make the service introspect with it.
        EncryptedToken sealed = new TokenVault(TokenVaultKeys.parse(config.get("token-vault.keys"),
                config.get("token-vault.active-key-id"))).encrypt(connection.connectionId(),
                token.getString("access_token"));
        Sql.update("INSERT INTO customers (customer_id, customer_name) VALUES (?, ?)", customerId, "Acme " + customerId);
        Sql.update("INSERT INTO connections (connection_id, customer_id, status, status_changed_at, company_id, provider_id, "
                + "products, entity_ids, entity_statuses_by_id, token_key_id, token_ciphertext, token_format, connected_at, "
                + "last_successful_sync) VALUES (?, ?, 'connected', now() - interval '1 hour', ?, ?, '{company,directory}', "
                + "string_to_array(?, ','), "
                + "(SELECT coalesce(jsonb_object_agg(id, 'connected'), '{}') FROM unnest(string_to_array(?, ',')) AS id), "
                + "?, decode(?, 'hex'), ?, now(), ?::timestamptz)", connection.connectionId(), customerId, connection.companyId(),
                connection.providerId(), entityIds, entityIds, sealed.keyId(), HexFormat.of().formatHex(sealed.ciphertext()),
                sealed.format().code(), lastSync);
        return connection;
    }
}
