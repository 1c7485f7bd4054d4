package io.finchconnect.link;

import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import io.finchconnect.common.database.Rows;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.smallrye.mutiny.Uni;
import io.vertx.core.buffer.Buffer;
import io.vertx.mutiny.sqlclient.SqlClient;
import io.vertx.mutiny.sqlclient.Tuple;

/** The SQL on the {@code connect_links} table: durable links, found by their token's hash, never by the token. */
public final class ConnectLinkStore {

    private static final String INSERT = """
            INSERT INTO connect_links (link_id, token_hash, customer_id, purpose, source, expires_at)
            VALUES ($1, $2, $3, $4, $5, now() + make_interval(secs => $6))
            RETURNING expires_at
            """;
    /** What a visit needs, with the state of an episode link's connection (read, not written: this table's store). */
    private static final String BY_TOKEN_HASH = """
            SELECT l.link_id, l.customer_id, l.purpose, l.connection_id, l.episode,
                   l.revoked_at IS NULL AND l.expires_at > now() AS live,
                   c.status AS connection_status, c.reauth_episode, c.reauth_open
            FROM connect_links l LEFT JOIN connections c ON c.connection_id = l.connection_id
            WHERE l.token_hash = $1
            """;
    private static final String STANDING = """
            SELECT link_id, expires_at FROM connect_links
            WHERE customer_id = $1 AND source = 'connect_link' AND purpose = $2 AND revoked_at IS NULL
              AND expires_at > now() + make_interval(secs => $3)
            ORDER BY expires_at DESC LIMIT 1
            """;
    private static final String REVOKE =
            "UPDATE connect_links SET revoked_at = coalesce(revoked_at, now()) WHERE link_id = $1";
    private static final String OF_CUSTOMER = """
            SELECT link_id, purpose, source, connection_id, created_at, expires_at, revoked_at,
                   CASE WHEN revoked_at IS NOT NULL THEN 'revoked' WHEN expires_at <= now() THEN 'expired' ELSE 'active' END AS status
            FROM connect_links WHERE customer_id = $1 ORDER BY created_at, link_id
            """;
    /** An episode keeps its link; one that expired while the episode stayed open is replaced, a revoked one is not. */
    private static final String EPISODE_LINK = """
            INSERT INTO connect_links (link_id, token_hash, customer_id, purpose, source, connection_id, episode, expires_at)
            VALUES (CAST(?1 AS uuid), ?2, ?3, 'reauthenticate', 'episode', ?4, ?5, now() + make_interval(days => ?6))
            ON CONFLICT (connection_id, episode) DO UPDATE SET link_id = EXCLUDED.link_id, token_hash = EXCLUDED.token_hash,
                created_at = now(), expires_at = EXCLUDED.expires_at
            WHERE connect_links.expires_at <= now() AND connect_links.revoked_at IS NULL
            """;
    private static final String EPISODE_LINK_READ = """
            SELECT CAST(link_id AS text), CAST(floor(extract(epoch FROM expires_at)) AS bigint) FROM connect_links
            WHERE connection_id = ?1 AND episode = ?2 AND revoked_at IS NULL AND expires_at > now()
            """;

    private ConnectLinkStore() {
    }

    /** A link as a visit finds it; the connection fields are null for a link of no episode. */
    public record VisitedLink(UUID linkId, String customerId, String purpose, String connectionId, Integer episode, boolean live,
                              String connectionStatus, Integer connectionEpisode, Boolean episodeOpen) {
    }

    public record StoredLink(UUID linkId, OffsetDateTime expiresAt) {
    }

    public record LinkSummary(UUID linkId, String purpose, String source, String connectionId, OffsetDateTime createdAt,
                              OffsetDateTime expiresAt, OffsetDateTime revokedAt, String status) {
    }

    public static Uni<OffsetDateTime> insert(SqlClient client, UUID linkId, byte[] tokenHash, String customerId, String purpose,
                                             String source, Duration lifetime) {
        return client.preparedQuery(INSERT).execute(Tuple.from(new Object[] { linkId, Buffer.buffer(tokenHash), customerId,
                        purpose, source, (double) lifetime.toSeconds() }))
                .map(rows -> rows.iterator().next().getOffsetDateTime("expires_at"));
    }

    /** {@code null} for a token no link has. */
    public static Uni<VisitedLink> byTokenHash(SqlClient client, byte[] tokenHash) {
        return client.preparedQuery(BY_TOKEN_HASH).execute(Tuple.of(Buffer.buffer(tokenHash)))
                .map(rows -> Rows.firstOrNull(rows, row -> new VisitedLink(row.getUUID("link_id"), row.getString("customer_id"),
                        row.getString("purpose"), row.getString("connection_id"), row.getInteger("episode"),
                        row.getBoolean("live"), row.getString("connection_status"), row.getInteger("reauth_episode"),
                        row.getBoolean("reauth_open"))));
    }

    /** The customer's live connect-link link of this purpose that lives at least {@code left} more; {@code null} if none. */
    public static Uni<StoredLink> standing(SqlClient client, String customerId, String purpose, Duration left) {
        return client.preparedQuery(STANDING).execute(Tuple.of(customerId, purpose, (double) left.toSeconds()))
                .map(rows -> Rows.firstOrNull(rows, row -> new StoredLink(row.getUUID("link_id"), row.getOffsetDateTime("expires_at"))));
    }

    /** Whether such a link exists (revoked now, or before). */
    public static Uni<Boolean> revoke(SqlClient client, UUID linkId) {
        return client.preparedQuery(REVOKE).execute(Tuple.of(linkId)).map(rows -> rows.rowCount() == 1);
    }

    public static Uni<List<LinkSummary>> ofCustomer(SqlClient client, String customerId) {
        return client.preparedQuery(OF_CUSTOMER).execute(Tuple.of(customerId))
                .map(rows -> {
                    List<LinkSummary> links = new ArrayList<>();
                    rows.forEach(row -> links.add(new LinkSummary(row.getUUID("link_id"), row.getString("purpose"),
                            row.getString("source"), row.getString("connection_id"), row.getOffsetDateTime("created_at"),
                            row.getOffsetDateTime("expires_at"), row.getOffsetDateTime("revoked_at"), row.getString("status"))));
                    return links;
                });
    }

    /**
     * The episode's live link, created with {@code linkId} and {@code tokenHash} when it has none, in the current
     * Hibernate Reactive transaction; {@code null} when it was revoked.
     */
    static Uni<StoredLink> episodeLink(UUID linkId, byte[] tokenHash, String customerId, String connectionId, int episode,
                                       int lifetimeDays) {
        return Panache.getSession().chain(session -> session.createNativeQuery(EPISODE_LINK)
                .setParameter(1, linkId.toString()).setParameter(2, tokenHash).setParameter(3, customerId)
                .setParameter(4, connectionId).setParameter(5, episode).setParameter(6, lifetimeDays)
                .executeUpdate()
                .chain(() -> session.createNativeQuery(EPISODE_LINK_READ, Object[].class)
                        .setParameter(1, connectionId).setParameter(2, episode).getResultList())
                .map(rows -> rows.isEmpty() ? null : new StoredLink(UUID.fromString((String) rows.get(0)[0]),
                        OffsetDateTime.ofInstant(java.time.Instant.ofEpochSecond(((Number) rows.get(0)[1]).longValue()),
                                java.time.ZoneOffset.UTC))));
    }
}
