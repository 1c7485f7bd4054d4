package io.finchconnect.link;

import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;

import io.finchconnect.common.error.InvalidRequestException;
import io.finchconnect.common.error.UnknownResourceException;
import io.finchconnect.link.ConnectLinkStore.LinkSummary;
import io.finchconnect.link.ConnectLinkStore.StoredLink;
import io.finchconnect.link.ConnectLinkStore.VisitedLink;
import io.finchconnect.link.config.ConnectLinkConfig;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;

/**
 * Durable links of customers: created (through the API, for the connect-link, for an episode), revoked, listed and
 * found by their token. The token is handed out once in a URL and stored only as its hash.
 */
@ApplicationScoped
public class DurableLinks {

    public static final String CONNECT = "connect";
    public static final String REAUTHENTICATE = "reauthenticate";
    /** A connect-link's link is handed out again while it lives at least this much longer. */
    private static final Duration STANDING_LEFT = Duration.ofDays(1);

    private final Pool pool;
    private final LinkTokens tokens;
    private final ConnectLinkConfig config;

    DurableLinks(Pool pool, LinkTokens tokens, ConnectLinkConfig config) {
        this.pool = pool;
        this.tokens = tokens;
        this.config = config;
    }

    /** A link as handed out: the only place its URL (the token) appears. */
    public record HandedOut(UUID linkId, String url, OffsetDateTime expiresAt, String purpose) {
    }

    /** A link created through the API; {@code expiresInDays} null: the default. */
    public Uni<HandedOut> create(String customerId, String purpose, Integer expiresInDays) {
        int days = expiresInDays == null ? config.defaultExpiryDays() : expiresInDays;
        if (days < 1 || days > config.maxExpiryDays()) {
            throw new InvalidRequestException("expires_in_days", "expires_in_days must be from 1 to " + config.maxExpiryDays());
        }
        String token = tokens.random();
        UUID linkId = UUID.randomUUID();
        return ConnectLinkStore.insert(pool, linkId, LinkTokens.hash(token), customerId, purpose, "api", Duration.ofDays(days))
                .map(expiresAt -> new HandedOut(linkId, tokens.url(token), expiresAt, purpose));
    }

    /** The customer's link for the connect-link answer: the same one while it lives a day more, else a new one. */
    public Uni<HandedOut> standing(String customerId, String purpose) {
        return ConnectLinkStore.standing(pool, customerId, purpose, STANDING_LEFT).chain(link -> {
            if (link != null) {
                return Uni.createFrom().item(new HandedOut(link.linkId(), tokens.url(tokens.derived(link.linkId())),
                        link.expiresAt(), purpose));
            }
            UUID linkId = UUID.randomUUID();
            String token = tokens.derived(linkId);
            return ConnectLinkStore.insert(pool, linkId, LinkTokens.hash(token), customerId, purpose, "connect_link",
                            Duration.ofDays(config.defaultExpiryDays()))
                    .map(expiresAt -> new HandedOut(linkId, tokens.url(token), expiresAt, purpose));
        });
    }

    /**
     * The episode's link, created on its first announcement, in the caller's Hibernate Reactive transaction; the same
     * URL on every later one while it lives (at most {@code connect-links.max-expiry-days}); {@code null} once revoked.
     */
    public Uni<HandedOut> ofEpisode(String customerId, String connectionId, int episode) {
        UUID linkId = UUID.randomUUID();
        return ConnectLinkStore.episodeLink(linkId, LinkTokens.hash(tokens.derived(linkId)), customerId, connectionId, episode,
                        config.maxExpiryDays())
                .map(link -> link == null ? null : new HandedOut(link.linkId(), tokens.url(tokens.derived(link.linkId())),
                        link.expiresAt(), REAUTHENTICATE));
    }

    public Uni<Void> revoke(UUID linkId) {
        return ConnectLinkStore.revoke(pool, linkId).map(found -> {
            if (!found) {
                throw new UnknownResourceException("No connect link " + linkId);
            }
            return null;
        });
    }

    public Uni<List<LinkSummary>> ofCustomer(String customerId) {
        return ConnectLinkStore.ofCustomer(pool, customerId);
    }

    /** {@code null} for a token that is no link's. */
    public Uni<VisitedLink> find(String token) {
        return LinkTokens.wellFormed(token) ? ConnectLinkStore.byTokenHash(pool, LinkTokens.hash(token))
                : Uni.createFrom().nullItem();
    }
}
