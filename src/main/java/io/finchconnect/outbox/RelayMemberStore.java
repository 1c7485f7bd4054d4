package io.finchconnect.outbox;

import java.util.ArrayList;
import java.util.List;

import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.SqlClient;
import io.vertx.mutiny.sqlclient.Tuple;

/** The SQL on {@code outbox_relay_member}: the live relays, each renewing its membership on every heartbeat. */
final class RelayMemberStore {

    private static final String JOIN = """
            INSERT INTO outbox_relay_member (member, lease_until) VALUES ($1, now() + make_interval(secs => $2))
            ON CONFLICT (member) DO UPDATE SET lease_until = excluded.lease_until
            """;
    private static final String FORGET_LONG_GONE = "DELETE FROM outbox_relay_member WHERE lease_until < now() - interval '1 hour'";
    private static final String LIVE_MEMBERS = "SELECT member FROM outbox_relay_member WHERE lease_until > now() ORDER BY member";
    private static final String LEAVE = "DELETE FROM outbox_relay_member WHERE member = $1";

    private RelayMemberStore() {
    }

    /** Joins, or renews the membership of, {@code member} for {@code seconds}. */
    static Uni<Void> join(SqlClient client, String member, double seconds) {
        return client.preparedQuery(JOIN).execute(Tuple.of(member, seconds)).replaceWithVoid();
    }

    /** The members whose lease has not run out, ordered by name. */
    static Uni<List<String>> liveMembers(SqlClient client) {
        return client.query(LIVE_MEMBERS).execute().map(rows -> {
            List<String> live = new ArrayList<>();
            for (Row row : rows) {
                live.add(row.getString("member"));
            }
            return live;
        });
    }

    /** Removes the members gone for over an hour (crashed, never left). */
    static Uni<Void> forgetLongGone(SqlClient client) {
        return client.query(FORGET_LONG_GONE).execute().replaceWithVoid();
    }

    static Uni<Void> leave(SqlClient client, String member) {
        return client.preparedQuery(LEAVE).execute(Tuple.of(member)).replaceWithVoid();
    }
}
