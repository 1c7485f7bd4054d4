package io.finchconnect.link;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.SqlClient;
import io.vertx.mutiny.sqlclient.Tuple;

/** The SQL on the {@code connect_link_visits} table: visits per bucket and minute, counted in one statement. */
public final class VisitCountStore {

    private static final String COUNT = """
            INSERT INTO connect_link_visits (bucket, window_start, visits)
            SELECT bucket, date_trunc('minute', now()), 1 FROM unnest($1::text[]) AS bucket
            ON CONFLICT (bucket, window_start) DO UPDATE SET visits = connect_link_visits.visits + 1
            RETURNING bucket, visits, CAST(ceil(extract(epoch FROM date_trunc('minute', now()) + interval '1 minute' - now())) AS integer)
                AS seconds_left
            """;
    private static final String DELETE_PAST = "DELETE FROM connect_link_visits WHERE window_start < date_trunc('minute', now())";

    private VisitCountStore() {
    }

    /** This minute's visits per bucket, this one counted, and the seconds left of the minute. */
    public record Counted(Map<String, Integer> visits, int secondsLeft) {
    }

    public static Uni<Counted> count(SqlClient client, List<String> buckets) {
        return client.preparedQuery(COUNT).execute(Tuple.of(buckets.toArray(String[]::new))).map(rows -> {
            Map<String, Integer> visits = new HashMap<>();
            int[] left = { 60 };
            rows.forEach(row -> {
                visits.put(row.getString("bucket"), row.getInteger("visits"));
                left[0] = Math.max(1, row.getInteger("seconds_left"));
            });
            return new Counted(visits, left[0]);
        });
    }

    public static Uni<Integer> deletePast(SqlClient client) {
        return client.query(DELETE_PAST).execute().map(rows -> rows.rowCount());
    }
}
