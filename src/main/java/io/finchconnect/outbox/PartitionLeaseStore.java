package io.finchconnect.outbox;

import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.SqlClient;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * The SQL on {@code outbox_partition}: each partition's owner, lease and fencing token. Renewing and handing back
 * name the tokens the owner holds, so a member whose partition was taken over writes nothing to it.
 */
final class PartitionLeaseStore {

    private static final String RENEW = """
            UPDATE outbox_partition SET lease_until = now() + make_interval(secs => $3)
            WHERE owner = $1 AND token = ($2::bigint[])[partition + 1] RETURNING partition
            """;
    private static final String TAKE = """
            UPDATE outbox_partition SET owner = $1, token = token + 1, lease_until = now() + make_interval(secs => $3)
            WHERE partition = ANY($2) AND (owner IS NULL OR lease_until < now()) RETURNING partition, token
            """;
    private static final String HAND_BACK = """
            UPDATE outbox_partition SET owner = NULL, lease_until = '-infinity'
            WHERE owner = $1 AND token = ($2::bigint[])[partition + 1] AND partition = ANY($3)
            """;

    private PartitionLeaseStore() {
    }

    /** Renews the leases still held under {@code tokens}; returns the partitions renewed. */
    static Uni<Set<Integer>> renew(SqlClient client, String member, long[] tokens, double seconds) {
        return client.preparedQuery(RENEW).execute(Tuple.of(member, PartitionLeases.boxed(tokens), seconds)).map(rows -> {
            Set<Integer> renewed = new HashSet<>();
            for (Row row : rows) {
                renewed.add((int) row.getShort("partition"));
            }
            return renewed;
        });
    }

    /** Takes those of {@code wanted} that are free or whose lease ran out; returns each taken partition's new token. */
    static Uni<Map<Integer, Long>> take(SqlClient client, String member, Integer[] wanted, double seconds) {
        return client.preparedQuery(TAKE).execute(Tuple.of(member, wanted, seconds)).map(rows -> {
            Map<Integer, Long> taken = new LinkedHashMap<>();
            for (Row row : rows) {
                taken.put((int) row.getShort("partition"), row.getLong("token"));
            }
            return taken;
        });
    }

    static Uni<Void> handBack(SqlClient client, String member, long[] tokens, Integer[] partitions) {
        return client.preparedQuery(HAND_BACK).execute(Tuple.of(member, PartitionLeases.boxed(tokens), partitions))
                .replaceWithVoid();
    }
}
