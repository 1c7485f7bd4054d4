package io.finchconnect.connection.vault;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;

import org.junit.jupiter.api.Test;

import io.finchconnect.testing.Sql;
import io.finchconnect.testing.TestStack;
import io.quarkus.test.junit.QuarkusTest;

/**
 * Retiring token vault keys: with tokens under keys test-0 and test-1 (and some sealed before V11 bound their
 * connection), re-encryption puts every one under the active key test-2, bound to its connection, after which
 * a vault holding test-2 alone decrypts them all. test-2 is the test stack's active key, so the rows of other
 * test classes this re-encrypts too stay readable for them.
 */
@QuarkusTest
class TokenReencryptionTest {

    private static final String KEY_1 = "test-0";
    private static final String KEY_2 = "test-1";
    private static final String ACTIVE_KEY_3 = "test-2";

    private final Map<String, String> keys = keyMaterial(TestStack.get().config().get("token-vault.keys"));

    @Test
    void tokensUnderTwoOldKeysEndUnderTheActiveKeyAndDecryptWithItAloneOnceTheOldKeysAreGone() throws Exception {
        Map<String, String> tokens = new LinkedHashMap<>();
        for (int i = 0; i < 3; i++) {
            tokens.put(insert(sealedUnder(KEY_1)), lastToken);
            tokens.put(insert(sealedUnder(KEY_2)), lastToken);
        }
        lastToken = "tok_" + UUID.randomUUID();
        tokens.put(insert(TokenVaultTest.sealedAsBeforeV11(KEY_1, keys.get(KEY_1), lastToken)), lastToken);
        lastToken = "tok_" + UUID.randomUUID();
        tokens.put(insert(TokenVaultTest.sealedAsBeforeV11(KEY_2, keys.get(KEY_2), lastToken)), lastToken);

        given().auth().oauth2(admin()).queryParam("batch_size", 3).post("/v1/admin/token-vault/re-encrypt")
                .then().statusCode(200).body("active_key_id", equalTo(ACTIVE_KEY_3));

        TokenVault onlyTheActiveKey = new TokenVault(TokenVaultKeys.parse(ACTIVE_KEY_3 + ":" + keys.get(ACTIVE_KEY_3), ACTIVE_KEY_3));
        for (Map.Entry<String, String> one : tokens.entrySet()) {
            EncryptedToken stored = stored(one.getKey());
            assertThat(stored.keyId()).isEqualTo(ACTIVE_KEY_3);
            assertThat(stored.format()).isEqualTo(TokenFormat.CONNECTION_BOUND);
            assertThat(onlyTheActiveKey.decrypt(one.getKey(), stored)).isEqualTo(one.getValue());
        }
        // The service reads them too.
        String someConnection = tokens.keySet().iterator().next();
        given().auth().oauth2(TestStack.get().jwt().token("tokens:read")).get("/v1/connections/" + someConnection + "/access-token")
                .then().statusCode(200).body("access_token", equalTo(tokens.get(someConnection)));
        assertThat(given().auth().oauth2(admin()).get("/v1/admin/token-vault").then().statusCode(200).extract().jsonPath()
                .getList("key_id", String.class)).as("keys still in use").contains(ACTIVE_KEY_3).doesNotContain(KEY_1, KEY_2);
    }

    @Test
    void twoRunsAtOnceReencryptEachTokenOnceAndASecondRunRewritesNothing() throws Exception {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            ids.add(insert(sealedUnder(i % 2 == 0 ? KEY_1 : KEY_2)));
        }

        CompletableFuture<Integer> first = CompletableFuture.supplyAsync(this::reencryptInBatchesOfTwo);
        CompletableFuture<Integer> second = CompletableFuture.supplyAsync(this::reencryptInBatchesOfTwo);
        assertThat(first.get()).isEqualTo(200);
        assertThat(second.get()).isEqualTo(200);

        Map<String, byte[]> after = new HashMap<>();
        for (String id : ids) {
            EncryptedToken stored = stored(id);
            assertThat(stored.keyId()).isEqualTo(ACTIVE_KEY_3);
            // Inserted at version 0: each row was rewritten by exactly one of the two runs.
            assertThat(Sql.single("SELECT version FROM connections WHERE connection_id = ?", id)).isEqualTo(1);
            after.put(id, stored.ciphertext());
        }
        assertThat(reencryptInBatchesOfTwo()).isEqualTo(200);
        for (String id : ids) {
            assertThat(stored(id).ciphertext()).as("a current token is left alone").isEqualTo(after.get(id));
        }
    }

    /**
     * A row another transaction holds (a code exchange renewing its token, another run) is passed over rather than
     * waited for, and reported as remaining; running again finishes it: the same path as a run cut short.
     */
    @Test
    void aRowHeldElsewhereIsLeftForTheNextRunWhichFinishesIt() throws Exception {
        String held = insert(sealedUnder(KEY_1));
        String heldToken = lastToken;
        String free = insert(sealedUnder(KEY_1));
        Map<String, String> config = TestStack.get().config();
        try (java.sql.Connection db = java.sql.DriverManager.getConnection(config.get("quarkus.datasource.jdbc.url"),
                config.get("quarkus.datasource.username"), config.get("quarkus.datasource.password"))) {
            db.setAutoCommit(false);
            try (java.sql.PreparedStatement lock = db.prepareStatement("SELECT 1 FROM connections WHERE connection_id = ? FOR UPDATE")) {
                lock.setString(1, held);
                lock.executeQuery().close();
            }
            int remaining = given().auth().oauth2(admin()).post("/v1/admin/token-vault/re-encrypt").then().statusCode(200)
                    .extract().path("remaining");
            assertThat(remaining).isGreaterThanOrEqualTo(1);
            assertThat(stored(free).keyId()).isEqualTo(ACTIVE_KEY_3);
            assertThat(stored(held).keyId()).isEqualTo(KEY_1);
            db.rollback();
        }

        given().auth().oauth2(admin()).post("/v1/admin/token-vault/re-encrypt").then().statusCode(200);

        assertThat(stored(held).keyId()).isEqualTo(ACTIVE_KEY_3);
        TokenVault onlyTheActiveKey = new TokenVault(TokenVaultKeys.parse(ACTIVE_KEY_3 + ":" + keys.get(ACTIVE_KEY_3), ACTIVE_KEY_3));
        assertThat(onlyTheActiveKey.decrypt(held, stored(held))).isEqualTo(heldToken);
    }

    @Test
    void aCiphertextCopiedIntoAnotherConnectionsRowDoesNotDecryptThere() throws Exception {
        String source = insert(sealedUnder(ACTIVE_KEY_3));
        String sourceToken = lastToken;
        String target = insert(sealedUnder(ACTIVE_KEY_3));
        Sql.update("UPDATE connections t SET token_key_id = s.token_key_id, token_ciphertext = s.token_ciphertext, "
                + "token_format = s.token_format FROM connections s WHERE s.connection_id = ? AND t.connection_id = ?", source, target);

        String reader = TestStack.get().jwt().token("tokens:read");
        given().auth().oauth2(reader).get("/v1/connections/" + source + "/access-token").then().statusCode(200)
                .body("access_token", equalTo(sourceToken));
        String answer = given().auth().oauth2(reader).get("/v1/connections/" + target + "/access-token").then().statusCode(500)
                .contentType("application/problem+json").extract().asString();
        assertThat(answer).doesNotContain(sourceToken);

        // Re-encryption leaves it alone too rather than launder it into a valid ciphertext for the wrong row.
        given().auth().oauth2(admin()).post("/v1/admin/token-vault/re-encrypt").then().statusCode(200);
        given().auth().oauth2(reader).get("/v1/connections/" + target + "/access-token").then().statusCode(500);
        assertThat(stored(target).ciphertext()).isEqualTo(stored(source).ciphertext());
    }

    @Test
    void onlyAnOperatorMayReencryptAndTheBatchSizeIsBounded() {
        given().post("/v1/admin/token-vault/re-encrypt").then().statusCode(401);
        given().auth().oauth2(TestStack.get().jwt().token("connections:read")).post("/v1/admin/token-vault/re-encrypt")
                .then().statusCode(403);
        given().auth().oauth2(admin()).queryParam("batch_size", 0).post("/v1/admin/token-vault/re-encrypt")
                .then().statusCode(400).contentType("application/problem+json");
    }

    private int reencryptInBatchesOfTwo() {
        return given().auth().oauth2(admin()).queryParam("batch_size", 2).post("/v1/admin/token-vault/re-encrypt").statusCode();
    }

    private String lastToken;

    /** A fresh token sealed as the service sealed it while {@code keyId} was active; the connection id comes with it. */
    private Sealing sealedUnder(String keyId) {
        lastToken = "tok_" + UUID.randomUUID();
        String connectionId = "conn-" + UUID.randomUUID();
        TokenVault vault = new TokenVault(TokenVaultKeys.parse(keyId + ":" + keys.get(keyId), keyId));
        return new Sealing(connectionId, vault.encrypt(connectionId, lastToken));
    }

    private record Sealing(String connectionId, EncryptedToken token) {
    }

    private static String insert(Sealing sealing) {
        return insert(sealing.connectionId(), sealing.token());
    }

    private static String insert(EncryptedToken token) {
        return insert("conn-" + UUID.randomUUID(), token);
    }

    private static String insert(String connectionId, EncryptedToken token) {
        String customerId = "cust-" + UUID.randomUUID();
        Sql.update("INSERT INTO customers (customer_id, customer_name) VALUES (?, ?)", customerId, "Vault " + customerId);
        // Disconnected, so reconciliation never introspects with these made-up tokens.
        Sql.update("INSERT INTO connections (connection_id, customer_id, status, status_changed_at, token_key_id, "
                + "token_ciphertext, token_format, connected_at) VALUES (?, ?, 'disconnected', now(), ?, ?, ?, now())",
                connectionId, customerId, token.keyId(), token.ciphertext(), token.format().code());
        return connectionId;
    }

    private static EncryptedToken stored(String connectionId) {
        String keyId = (String) Sql.single("SELECT token_key_id FROM connections WHERE connection_id = ?", connectionId);
        byte[] ciphertext = (byte[]) Sql.single("SELECT token_ciphertext FROM connections WHERE connection_id = ?", connectionId);
        Number format = (Number) Sql.single("SELECT token_format FROM connections WHERE connection_id = ?", connectionId);
        return EncryptedToken.stored(keyId, ciphertext, format.intValue());
    }

    private static String admin() {
        return TestStack.get().jwt().token("connections:write");
    }

    private static Map<String, String> keyMaterial(String keyList) {
        Map<String, String> material = new HashMap<>();
        for (String entry : keyList.split(",")) {
            material.put(entry.substring(0, entry.indexOf(':')), entry.substring(entry.indexOf(':') + 1));
        }
        return material;
    }
}
