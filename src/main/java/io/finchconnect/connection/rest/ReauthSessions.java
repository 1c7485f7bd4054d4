package io.finchconnect.connection.rest;

import java.time.OffsetDateTime;

import io.finchconnect.connection.Connection;
import io.finchconnect.connection.ConnectionStatus;
import io.finchconnect.connection.rest.ConnectionResource.ReauthSessionView;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.smallrye.mutiny.Uni;

/**
 * Reads the reauthentication session of a connection's current reauth episode, while it is in reauth.
 */
final class ReauthSessions {

    private static final String CURRENT = """
            SELECT session_id, connect_url, expires_at FROM reauth_sessions
            WHERE connection_id = ?1 AND episode = ?2 AND expires_at > now()
            """;

    private ReauthSessions() {
    }

    static Uni<ReauthSessionView> current(Connection connection) {
        if (connection.status != ConnectionStatus.REAUTH) {
            return Uni.createFrom().nullItem();
        }
        return Panache.getSession().chain(session -> session.createNativeQuery(CURRENT, Object[].class)
                .setParameter(1, connection.connectionId)
                .setParameter(2, connection.reauthEpisode)
                .getResultList())
                .map(rows -> rows.isEmpty() ? null : new ReauthSessionView((String) rows.get(0)[0], (String) rows.get(0)[1],
                        toOffset(rows.get(0)[2])));
    }

    private static OffsetDateTime toOffset(Object value) {
        if (value instanceof OffsetDateTime offset) {
            return offset;
        }
        if (value instanceof java.time.Instant instant) {
            return instant.atOffset(java.time.ZoneOffset.UTC);
        }
        return OffsetDateTime.parse(value.toString());
    }
}
