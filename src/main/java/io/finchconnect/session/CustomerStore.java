package io.finchconnect.session;

import java.time.OffsetDateTime;
import java.util.List;

import org.hibernate.reactive.mutiny.Mutiny;

import io.finchconnect.common.database.Rows;
import io.finchconnect.session.CustomerReads.StagedSessionView;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.SqlClient;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * The SQL on the {@code customers} table, one statement each. A customer is created and renamed with its staged
 * session, by the caller's request, in {@link StagedSessionStore}'s one upsert; one that connects without a session
 * staged here (the embedded flow takes any code of Finch's) is created by the code exchange, named as Finch names it.
 */
public final class CustomerStore {

    private static final String CUSTOMER_WITH_STAGED_SESSION = """
            SELECT c.customer_id, c.customer_name, c.customer_email, c.created_at,
                   s.session_id, s.expires_at AS session_expires_at, s.products, s.refreshed_at, s.consumed_at
            FROM customers c LEFT JOIN staged_sessions s ON s.customer_id = c.customer_id WHERE c.customer_id = $1
            """;
    private static final String CONTACT = "SELECT customer_name, customer_email FROM customers WHERE customer_id = $1";
    private static final String NAME = "SELECT customer_name FROM customers WHERE customer_id = :customerId";
    private static final String CREATE_IF_ABSENT = """
            INSERT INTO customers (customer_id, customer_name) VALUES (:customerId, :customerName)
            ON CONFLICT (customer_id) DO NOTHING
            """;

    private CustomerStore() {
    }

    /** A customer and its staged session ({@code null} before it staged one). */
    public record CustomerWithSession(String customerId, String customerName, String customerEmail, OffsetDateTime createdAt,
                                      StagedSessionView stagedSession) {
    }

    /** What Finch is told of a customer when its session is staged again. */
    public record Contact(String customerName, String customerEmail) {
    }

    /** {@code null} for a customer this service does not know. */
    public static Uni<CustomerWithSession> withStagedSession(SqlClient client, String customerId) {
        return client.preparedQuery(CUSTOMER_WITH_STAGED_SESSION).execute(Tuple.of(customerId))
                .map(rows -> Rows.firstOrNull(rows, row -> {
                    StagedSessionView session = row.getString("session_id") == null ? null : new StagedSessionView(
                            row.getString("session_id"), row.getOffsetDateTime("session_expires_at"),
                            List.of(row.getArrayOfStrings("products")), row.getOffsetDateTime("refreshed_at"),
                            row.getOffsetDateTime("consumed_at"));
                    return new CustomerWithSession(row.getString("customer_id"), row.getString("customer_name"),
                            row.getString("customer_email"), row.getOffsetDateTime("created_at"), session);
                }));
    }

    /** {@code null} for a customer this service does not know. */
    public static Uni<Contact> contact(SqlClient client, String customerId) {
        return client.preparedQuery(CONTACT).execute(Tuple.of(customerId))
                .map(rows -> Rows.firstOrNull(rows,
                        row -> new Contact(row.getString("customer_name"), row.getString("customer_email"))));
    }

    /**
     * The customer's name, in the current Hibernate Reactive transaction; a customer this service does not know yet is
     * created with {@code nameIfNew}. A concurrent creation is not an error: its name is the one read.
     */
    public static Uni<String> nameCreatingIfAbsent(String customerId, String nameIfNew) {
        return Panache.getSession().chain(session -> nameOf(session, customerId).chain(name -> name != null
                ? Uni.createFrom().item(name)
                : session.createNativeQuery(CREATE_IF_ABSENT).setParameter("customerId", customerId)
                        .setParameter("customerName", nameIfNew).executeUpdate()
                        .chain(() -> nameOf(session, customerId))));
    }

    private static Uni<String> nameOf(Mutiny.Session session, String customerId) {
        return session.createNativeQuery(NAME, String.class).setParameter("customerId", customerId).getSingleResultOrNull();
    }
}
