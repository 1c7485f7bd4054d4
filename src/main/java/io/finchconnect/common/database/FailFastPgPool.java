package io.finchconnect.common.database;

import java.util.concurrent.TimeUnit;

import jakarta.inject.Singleton;

import org.jboss.logging.Logger;

import io.quarkus.reactive.pg.client.PgPoolCreator;
import io.vertx.pgclient.PgPool;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;

/**
 * Creates the reactive PostgreSQL pool exactly as Quarkus configured it, with its two waits bounded. Vert.x
 * would wait 60 s for a TCP connection to a host that does not answer and queue a request 30 s for a pooled
 * connection; with PostgreSQL gone a request should fail fast with 503 and be retried, not hang. The pool
 * wait is meant to be longer than the connect timeout, so that an unreachable host fails a request with the
 * connect timeout, the clearer cause, rather than with a bare pool timeout.
 */
@Singleton
public class FailFastPgPool implements PgPoolCreator {

    private static final Logger LOG = Logger.getLogger(FailFastPgPool.class);

    private final DatabaseConfig config;

    FailFastPgPool(DatabaseConfig config) {
        this.config = config;
    }

    @Override
    public Pool create(Input input) {
        PoolOptions pool = input.poolOptions()
                .setConnectionTimeout(Math.toIntExact(config.poolWaitTimeout().toMillis()))
                .setConnectionTimeoutUnit(TimeUnit.MILLISECONDS);
        input.pgConnectOptionsList().forEach(options -> DatabaseTls.secure(options, config.sslRootCert())
                .setConnectTimeout(Math.toIntExact(config.connectTimeout().toMillis())));
        LOG.infof("PostgreSQL pool of %d connections: connect timeout %s, pool wait %s", pool.getMaxSize(),
                config.connectTimeout(), config.poolWaitTimeout());
        return PgPool.pool(input.vertx(), input.pgConnectOptionsList(), pool);
    }
}
