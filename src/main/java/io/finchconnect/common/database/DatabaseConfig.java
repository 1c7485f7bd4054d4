package io.finchconnect.common.database;

import java.time.Duration;

import io.smallrye.config.ConfigMapping;

/** How long a request may wait for PostgreSQL before it is answered 503 instead. */
@ConfigMapping(prefix = "database")
public interface DatabaseConfig {

    /** TCP connect timeout to PostgreSQL. */
    Duration connectTimeout();

    /** Longest wait for a connection from the reactive pool. */
    Duration poolWaitTimeout();
}
