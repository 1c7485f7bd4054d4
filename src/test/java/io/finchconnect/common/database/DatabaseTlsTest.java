package io.finchconnect.common.database;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Optional;

import org.junit.jupiter.api.Test;

import io.finchconnect.outbox.OutboxRelayLifecycle;
import io.vertx.core.net.PemTrustOptions;
import io.vertx.pgclient.PgConnectOptions;

/**
 * A reactive URL with sslmode=verify-full (as the production overlay sets it) gives the pool and the outbox
 * relay options Vert.x accepts: the CA to trust and the host name check; without the CA, start-up names the
 * variable. A URL without sslmode is left as it is (the tests' and the local stack's plain connections).
 */
class DatabaseTlsTest {

    private static final String URL = "postgresql://finch-connect-db-rw.db.svc:5432/finch?sslmode=verify-full";

    @Test
    void verifyFullTrustsTheConfiguredCaAndChecksTheHostName() {
        PgConnectOptions options = DatabaseTls.secure(OutboxRelayLifecycle.connectOptions(URL, "finch", "pw"),
                Optional.of("/etc/finch-connect/db-ca/ca.crt"));

        assertThat(options.getSslMode().value).isEqualTo("verify-full");
        assertThat(options.getHostnameVerificationAlgorithm()).isEqualTo("HTTPS");
        assertThat(options.getTrustOptions()).isInstanceOfSatisfying(PemTrustOptions.class,
                pem -> assertThat(pem.getCertPaths()).containsExactly("/etc/finch-connect/db-ca/ca.crt"));
    }

    @Test
    void verifyFullWithoutACaStopsStartUpNamingTheVariable() {
        assertThatThrownBy(() -> DatabaseTls.secure(OutboxRelayLifecycle.connectOptions(URL, "finch", "pw"), Optional.empty()))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("DB_SSL_ROOT_CERT");
    }

    @Test
    void aUrlWithoutSslModeIsLeftAsItIs() {
        PgConnectOptions options = DatabaseTls.secure(
                OutboxRelayLifecycle.connectOptions("postgresql://localhost:5432/finch", "finch", "pw"), Optional.empty());

        assertThat(options.getTrustOptions()).isNull();
        assertThat(options.getSslMode().value).isEqualTo("disable");
    }
}
