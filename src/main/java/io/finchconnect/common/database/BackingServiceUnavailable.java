package io.finchconnect.common.database;

import java.net.SocketException;
import java.net.UnknownHostException;
import java.nio.channels.ClosedChannelException;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.Set;

import io.smallrye.mutiny.CompositeException;
import io.vertx.core.VertxException;
import io.vertx.core.http.ConnectionPoolTooBusyException;
import io.vertx.core.impl.NoStackTraceThrowable;
import io.vertx.pgclient.PgException;
import io.vertx.sqlclient.ClosedConnectionException;

/**
 * Decides whether a failure means a backing service (PostgreSQL above all) is down or unreachable, which the
 * caller should retry later (503), rather than a fault of the request or of this service (500). Looks through
 * the wrappers Hibernate Reactive and Mutiny put around the cause.
 */
public final class BackingServiceUnavailable {

    /** SQLSTATEs of a server that is stopping, starting, or refusing connections; class 08 is added below. */
    private static final Set<String> SERVER_UNAVAILABLE_STATES = Set.of(
            "57P01", // admin_shutdown: the server is stopping and ends the session
            "57P02", // crash_shutdown
            "57P03", // cannot_connect_now: starting up or shutting down
            "53300"); // too_many_connections

    /** Vert.x fails a pool acquisition that waited too long with this one shared VertxException, not a type of its own. */
    static final String POOL_WAIT_TIMEOUT = "Timeout waiting for connection";

    /*
     * The same wait, run out through Pool.getConnection (Hibernate Reactive's transactions), fails with a bare
     * NoStackTraceThrowable("Timeout") instead (SqlConnectionPool's PoolRequest): seen as 500s in PoolDisciplineIT.
     */
    static final String CONNECTION_WAIT_TIMEOUT = "Timeout";

    /*
     * A pooled connection whose socket PostgreSQL just closed fails the next statement with this bare
     * NoStackTraceThrowable (SocketConnectionBase), not ClosedConnectionException: seen in PostgresOutageIT.
     */
    static final String CONNECTION_NOT_ACTIVE = "Connection is not active now";

    private static final int MAX_DEPTH = 32;

    private BackingServiceUnavailable() {
    }

    public static boolean explains(Throwable failure) {
        Deque<Throwable> pending = new ArrayDeque<>();
        Map<Throwable, Boolean> seen = new IdentityHashMap<>();
        pending.add(failure);
        while (!pending.isEmpty() && seen.size() < MAX_DEPTH) {
            Throwable cause = pending.poll();
            if (seen.put(cause, true) != null) {
                continue;
            }
            if (isUnavailability(cause)) {
                return true;
            }
            if (cause instanceof CompositeException composite) {
                pending.addAll(composite.getCauses());
            }
            if (cause.getCause() != null) {
                pending.add(cause.getCause());
            }
        }
        return false;
    }

    private static boolean isUnavailability(Throwable cause) {
        // SocketException: refused (ConnectException), Netty's connect timeout (a host that does not answer), and a
        // connection reset under a running statement, which Vert.x passes on as it is.
        if (cause instanceof SocketException || cause instanceof UnknownHostException || cause instanceof ClosedChannelException
                || cause instanceof ClosedConnectionException || cause instanceof ConnectionPoolTooBusyException) {
            return true;
        }
        if (cause instanceof PgException pg) {
            String state = pg.getSqlState();
            return state != null && (state.startsWith("08") || SERVER_UNAVAILABLE_STATES.contains(state));
        }
        if (cause.getClass() == NoStackTraceThrowable.class) {
            return cause.getMessage() != null && (cause.getMessage().startsWith(CONNECTION_NOT_ACTIVE)
                    || cause.getMessage().equals(CONNECTION_WAIT_TIMEOUT));
        }
        return cause.getClass() == VertxException.class && POOL_WAIT_TIMEOUT.equals(cause.getMessage());
    }
}
