package io.finchconnect.common.database;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

import io.smallrye.health.api.AsyncHealthCheck;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;

/**
 * Ready while PostgreSQL answers through the pool that serves the requests, which drops the connections a
 * restart closed; the start-up pool of the migrations keeps them, so readiness does not ask it.
 */
@Readiness
@ApplicationScoped
public class PostgresReadiness implements AsyncHealthCheck {

    private static final String NAME = "PostgreSQL";

    @Inject
    Pool pool;

    @Override
    public Uni<HealthCheckResponse> call() {
        return pool.query("SELECT 1").execute()
                .map(rows -> HealthCheckResponse.up(NAME))
                .onFailure().recoverWithItem(failure -> HealthCheckResponse.named(NAME).down()
                        .withData("failure", failure.getClass().getSimpleName()).build());
    }
}
