package io.finchconnect.common.database;

import java.time.Duration;
import java.util.Optional;

import io.smallrye.config.ConfigMapping;

/** How long a request may wait for PostgreSQL before it is answered 503 instead; which CA its TLS trusts. */
@ConfigMapping(prefix = "database")
public interface DatabaseConfig {

    /** TCP connect timeout to PostgreSQL. */
    Duration connectTimeout();

    /** Longest wait for a connection from the reactive pool. */
    Duration poolWaitTimeout();

    /** PEM file of the CA of PostgreSQL's server certificate, for sslmode=verify-full (DatabaseTls). */
    Optional<String> sslRootCert();
}
