package io.finchconnect.common.database;

import java.util.Optional;

import io.vertx.core.net.PemTrustOptions;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.pgclient.SslMode;

/**
 * Completes PostgreSQL connection options whose URL asks for a verified TLS connection ({@code sslmode=verify-ca}
 * or {@code verify-full}): Vert.x refuses such a connection unless it is given the CA to trust and, for
 * verify-full, the host name check. A URL cannot carry either, so the CA comes from {@code DB_SSL_ROOT_CERT}.
 * Used for the reactive pool and for the outbox relay's own connection alike, so both verify the server.
 */
public final class DatabaseTls {

    private DatabaseTls() {
    }

    public static PgConnectOptions secure(PgConnectOptions options, Optional<String> rootCert) {
        SslMode mode = options.getSslMode();
        if (mode != SslMode.VERIFY_CA && mode != SslMode.VERIFY_FULL) {
            return options;
        }
        String caFile = rootCert.filter(file -> !file.isBlank()).orElseThrow(() -> new IllegalStateException(
                "DB_SSL_ROOT_CERT: required with sslmode=" + mode.value + " in QUARKUS_DATASOURCE_REACTIVE_URL "
                        + "(the PEM file of the CA that signed the PostgreSQL server's certificate)"));
        options.setTrustOptions(new PemTrustOptions().addCertPath(caFile));
        // verify-full also checks that the certificate names the host connected to; verify-ca does not.
        options.setHostnameVerificationAlgorithm(mode == SslMode.VERIFY_FULL ? "HTTPS" : "");
        return options;
    }
}
