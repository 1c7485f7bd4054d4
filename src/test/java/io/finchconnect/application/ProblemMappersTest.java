package io.finchconnect.application;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

import io.vertx.core.impl.NoStackTraceThrowable;

class ProblemMappersTest {

    private final ProblemMappers mappers = new ProblemMappers();

    @Test
    void aStatementOnAConnectionPostgresJustClosedIsA503NotA500() {
        NoStackTraceThrowable closed = new NoStackTraceThrowable("Connection is not active now, current status: CLOSED");
        assertThat(mappers.unexpected(closed).getStatus()).isEqualTo(503);
    }

    @Test
    void anythingElseUnexpectedIsA500() {
        assertThat(mappers.unexpected(new IllegalStateException("a bug")).getStatus()).isEqualTo(500);
    }
}
