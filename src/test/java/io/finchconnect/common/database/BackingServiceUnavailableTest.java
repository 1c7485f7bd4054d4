package io.finchconnect.common.database;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.ConnectException;
import java.net.SocketException;
import java.net.UnknownHostException;
import java.nio.channels.ClosedChannelException;
import java.util.List;
import java.util.concurrent.CompletionException;

import org.hibernate.HibernateException;
import org.junit.jupiter.api.Test;

import io.netty.channel.ConnectTimeoutException;
import io.smallrye.mutiny.CompositeException;
import io.vertx.core.VertxException;
import io.vertx.core.impl.NoStackTraceThrowable;
import io.vertx.core.http.ConnectionPoolTooBusyException;
import io.vertx.pgclient.PgException;
import io.vertx.sqlclient.ClosedConnectionException;

/** The failures that PostgreSQL being down produces (seen in PostgresOutageIT) are 503; the request's own faults are not. */
class BackingServiceUnavailableTest {

    @Test
    void aRefusedOrTimedOutConnectionIsUnavailability() {
        assertThat(BackingServiceUnavailable.explains(new ConnectException("Connection refused"))).isTrue();
        assertThat(BackingServiceUnavailable.explains(new ConnectTimeoutException("connection timed out: db/10.0.0.9:5432"))).isTrue();
        assertThat(BackingServiceUnavailable.explains(new UnknownHostException("finch-connect-db-rw"))).isTrue();
    }

    @Test
    void aConnectionLostInTheMiddleOfATransactionIsUnavailabilityHoweverItIsWrapped() {
        assertThat(BackingServiceUnavailable.explains(ClosedConnectionException.INSTANCE)).isTrue();
        // A reset under a running statement arrives bare, as Netty read it (seen in PostgresOutageIT).
        assertThat(BackingServiceUnavailable.explains(new SocketException("Connection reset"))).isTrue();
        assertThat(BackingServiceUnavailable.explains(new ClosedChannelException())).isTrue();
        // A pooled connection PostgreSQL closed a moment before its next statement (seen in PostgresOutageIT).
        assertThat(BackingServiceUnavailable.explains(new NoStackTraceThrowable("Connection is not active now, current status: CLOSED")))
                .isTrue();
        assertThat(BackingServiceUnavailable.explains(new HibernateException(ClosedConnectionException.INSTANCE))).isTrue();
        // Hibernate Reactive fails the request with the statement's failure and the failed rollback's together.
        assertThat(BackingServiceUnavailable.explains(new CompositeException(List.of(
                new IllegalStateException("rollback failed"), new HibernateException(ClosedConnectionException.INSTANCE))))).isTrue();
    }

    @Test
    void aServerThatIsStoppingOrStartingIsUnavailability() {
        assertThat(BackingServiceUnavailable.explains(pg("57P01", "terminating connection due to administrator command"))).isTrue();
        assertThat(BackingServiceUnavailable.explains(pg("57P03", "the database system is shutting down"))).isTrue();
        assertThat(BackingServiceUnavailable.explains(pg("08006", "connection failure"))).isTrue();
        assertThat(BackingServiceUnavailable.explains(pg("53300", "sorry, too many clients already"))).isTrue();
    }

    @Test
    void aPoolThatCannotHandOutAConnectionInTimeIsUnavailability() {
        assertThat(BackingServiceUnavailable.explains(new VertxException(BackingServiceUnavailable.POOL_WAIT_TIMEOUT, true))).isTrue();
        // Through Pool.getConnection, as Hibernate Reactive takes its transaction's connection.
        assertThat(BackingServiceUnavailable.explains(new CompletionException(new NoStackTraceThrowable(
                BackingServiceUnavailable.CONNECTION_WAIT_TIMEOUT)))).isTrue();
        assertThat(BackingServiceUnavailable.explains(new NoStackTraceThrowable("Timeout of some other kind")))
                .isFalse();
        assertThat(BackingServiceUnavailable.explains(new ConnectionPoolTooBusyException("Connection pool reached max wait queue size of 100")))
                .isTrue();
    }

    @Test
    void errorsOfTheRequestOrOfTheServiceAreNot() {
        assertThat(BackingServiceUnavailable.explains(pg("23505", "duplicate key value violates unique constraint"))).isFalse();
        assertThat(BackingServiceUnavailable.explains(pg("40001", "could not serialize access"))).isFalse();
        assertThat(BackingServiceUnavailable.explains(new HibernateException(pg("42P01", "relation does not exist")))).isFalse();
        assertThat(BackingServiceUnavailable.explains(new IllegalStateException("bug"))).isFalse();
        // The old heuristic took any Vert.x message with "closed" in it for an outage.
        assertThat(BackingServiceUnavailable.explains(new VertxException("Stream is closed"))).isFalse();
        assertThat(BackingServiceUnavailable.explains(new NoStackTraceThrowable("Request timeout"))).isFalse();
    }

    @Test
    void aCauseCycleEnds() {
        RuntimeException first = new RuntimeException("first");
        RuntimeException second = new RuntimeException("second", first);
        first.initCause(second);
        assertThat(BackingServiceUnavailable.explains(first)).isFalse();
    }

    private static PgException pg(String sqlState, String message) {
        return new PgException(message, "FATAL", sqlState, null);
    }
}
