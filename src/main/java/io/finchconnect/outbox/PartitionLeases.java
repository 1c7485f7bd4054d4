package io.finchconnect.outbox;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

import org.jboss.logging.Logger;

import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.SqlClient;

/**
 * This instance's share of the outbox partitions, held by lease. Every heartbeat renews the instance's
 * membership and its partitions' leases, reads the live members and works out the share every member computes
 * alike (partition p to the (p mod n)-th live member by name). Partitions that are now another member's are
 * handed back only after the relay settled what it had in flight of them; partitions that are now this
 * member's are taken once free or once their lease ran out, incrementing their fencing token. The token each
 * partition was taken with goes with every claim and every write of the relay, so an instance that lost a
 * partition (frozen past its lease, cut off) has its writes refused.
 * <p>
 * Touched only on the relay's Vert.x context.
 */
final class PartitionLeases {

    static final int PARTITIONS = 64;
    static final long NOT_OWNED = -1;

    private static final Logger LOG = Logger.getLogger(PartitionLeases.class);

    private final String member;
    private final Duration lease;
    private final long[] tokens = new long[PARTITIONS];
    private final Set<Integer> handingBack = new HashSet<>();
    private int members;

    PartitionLeases(String member, Duration lease) {
        this.member = member;
        this.lease = lease;
        Arrays.fill(tokens, NOT_OWNED);
    }

    String member() {
        return member;
    }

    /** The partitions the relay may claim from now: owned and not being handed back. */
    List<Integer> claimable() {
        List<Integer> claimable = new ArrayList<>();
        for (int partition = 0; partition < PARTITIONS; partition++) {
            if (tokens[partition] != NOT_OWNED && !handingBack.contains(partition)) {
                claimable.add(partition);
            }
        }
        return claimable;
    }

    boolean owns(int partition) {
        return partition >= 0 && partition < PARTITIONS && tokens[partition] != NOT_OWNED;
    }

    int owned() {
        return (int) Arrays.stream(tokens).filter(token -> token != NOT_OWNED).count();
    }

    int liveMembers() {
        return members;
    }

    /** The tokens as they are now, one per partition ({@link #NOT_OWNED} where not owned), for a claim's writes. */
    long[] tokens() {
        return tokens.clone();
    }

    boolean isHandingBack() {
        return !handingBack.isEmpty();
    }

    /** Renews, then works out and takes this member's share; what is no longer ours is marked to hand back. */
    Uni<Void> heartbeat(SqlClient client) {
        double seconds = lease.toMillis() / 1000.0;
        return RelayMemberStore.join(client, member, seconds)
                .chain(() -> PartitionLeaseStore.renew(client, member, tokens, seconds))
                .invoke(kept -> {
                    for (int partition = 0; partition < PARTITIONS; partition++) {
                        if (tokens[partition] != NOT_OWNED && !kept.contains(partition)) {
                            LOG.warnf("Outbox partition %d was taken over while this relay held it (lease ran out)", partition);
                            tokens[partition] = NOT_OWNED;
                            handingBack.remove(partition);
                        }
                    }
                })
                .chain(() -> RelayMemberStore.liveMembers(client))
                .chain(live -> {
                    members = live.size();
                    Set<Integer> share = share(live, member);
                    for (int partition = 0; partition < PARTITIONS; partition++) {
                        if (tokens[partition] != NOT_OWNED && !share.contains(partition)) {
                            handingBack.add(partition);
                        }
                    }
                    Set<Integer> wanted = new TreeSet<>(share);
                    wanted.removeIf(partition -> tokens[partition] != NOT_OWNED);
                    return wanted.isEmpty() ? Uni.createFrom().voidItem()
                            : PartitionLeaseStore.take(client, member, wanted.toArray(Integer[]::new), seconds)
                                    .invoke(taken -> {
                                        taken.forEach((partition, token) -> tokens[partition] = token);
                                        if (!taken.isEmpty()) {
                                            LOG.infof("Outbox relay %s took %d partitions; owns %d of %d with %d live relays",
                                                    member, taken.size(), owned(), PARTITIONS, members);
                                        }
                                    })
                                    .replaceWithVoid();
                })
                .call(() -> RelayMemberStore.forgetLongGone(client));
    }

    /** Hands back the partitions marked for it; the relay calls this only with nothing of them in flight. */
    Uni<Void> handBack(SqlClient client) {
        if (handingBack.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        Integer[] partitions = handingBack.toArray(Integer[]::new);
        return PartitionLeaseStore.handBack(client, member, tokens, partitions).invoke(() -> {
            for (int partition : partitions) {
                tokens[partition] = NOT_OWNED;
            }
            handingBack.clear();
            LOG.infof("Outbox relay %s handed back %d partitions; owns %d", member, partitions.length, owned());
        });
    }

    /** Leaves gracefully: hands back everything and removes the membership, so the others rebalance at once. */
    Uni<Void> leave(SqlClient client) {
        for (int partition = 0; partition < PARTITIONS; partition++) {
            if (tokens[partition] != NOT_OWNED) {
                handingBack.add(partition);
            }
        }
        return handBack(client).chain(() -> RelayMemberStore.leave(client, member));
    }

    /** Forgets every partition without writing: after the relay lost its connection it cannot know what it holds. */
    void forget() {
        Arrays.fill(tokens, NOT_OWNED);
        handingBack.clear();
    }

    /** Partition p goes to the (p mod n)-th live member, members ordered by name: every member computes the same. */
    static Set<Integer> share(List<String> liveMembers, String member) {
        int index = liveMembers.indexOf(member);
        Set<Integer> share = new HashSet<>();
        if (index < 0) {
            return share;
        }
        for (int partition = 0; partition < PARTITIONS; partition++) {
            if (partition % liveMembers.size() == index) {
                share.add(partition);
            }
        }
        return share;
    }

    static Long[] boxed(long[] values) {
        return Arrays.stream(values).boxed().toArray(Long[]::new);
    }
}
