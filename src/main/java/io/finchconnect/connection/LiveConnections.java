package io.finchconnect.connection;

/**
 * The rule that a customer has at most one live connection (anything but {@code disconnected}), enforced by
 * the partial unique index {@value #ONE_LIVE_PER_CUSTOMER}, and the answer a caller gets who runs into it.
 */
public final class LiveConnections {

    public static final String ONE_LIVE_PER_CUSTOMER = "connections_one_live_per_customer";

    private static final String UNIQUE_VIOLATION = "23505";

    private LiveConnections() {
    }

    /** Whether a failed write ran into the one-live-connection index, however Hibernate wrapped the driver's error. */
    public static boolean isSecondLiveConnection(Throwable failure) {
        for (Throwable cause = failure; cause != null; cause = cause.getCause() == cause ? null : cause.getCause()) {
            if (cause instanceof io.vertx.pgclient.PgException pg && UNIQUE_VIOLATION.equals(pg.getSqlState())
                    && ONE_LIVE_PER_CUSTOMER.equals(pg.getConstraint())) {
                return true;
            }
            // Hibernate Reactive hands the driver's error on as a java.sql.SQLException with the server's message.
            if (cause instanceof java.sql.SQLException sql && UNIQUE_VIOLATION.equals(sql.getSQLState())
                    && sql.getMessage() != null && sql.getMessage().contains("\"" + ONE_LIVE_PER_CUSTOMER + "\"")) {
                return true;
            }
        }
        return false;
    }
}
