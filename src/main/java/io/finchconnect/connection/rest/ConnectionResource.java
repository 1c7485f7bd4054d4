package io.finchconnect.connection.rest;

import java.time.OffsetDateTime;
import java.util.List;

import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.ExampleObject;
import org.eclipse.microprofile.openapi.annotations.parameters.RequestBody;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import org.jboss.logging.Logger;

import io.finchconnect.common.validation.RequestChecks;
import io.finchconnect.common.problem.ProblemException;
import io.finchconnect.connection.Connection;
import io.finchconnect.connection.ConnectionStatus;
import io.finchconnect.connection.vault.EncryptedToken;
import io.finchconnect.connection.vault.TokenVault;
import io.quarkus.hibernate.reactive.panache.common.WithSession;
import io.quarkus.security.identity.SecurityIdentity;
import io.finchconnect.session.ReauthSessionStore;
import io.finchconnect.session.ReauthSessionStore.CreatedSession;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;

/**
 * A connection as other services see it, and its access token for the services allowed to call Finch with
 * it. Every token read is audit-logged, without the token.
 */
@Path("/v1/connections/{connection_id}")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "Connections")
public class ConnectionResource {

    private static final Logger AUDIT = Logger.getLogger("io.finchconnect.audit");

    private final TokenVault vault;
    private final SecurityIdentity identity;
    private final Pool pool;

    ConnectionResource(TokenVault vault, SecurityIdentity identity, Pool pool) {
        this.vault = vault;
        this.identity = identity;
        this.pool = pool;
    }

    public record ConnectionView(String connectionId, String customerId, String status, OffsetDateTime statusChangedAt,
                                 String companyId, String providerId, String connectionType, List<String> products,
                                 List<String> entityIds, OffsetDateTime connectedAt, ReauthSessionView reauthSession) {
    }

    public record ReauthSessionView(String sessionId, String connectUrl, OffsetDateTime expiresAt) {
    }

    public record AccessToken(String connectionId, String accessToken, String tokenType) {
    }

    @GET
    @RolesAllowed("connections:read")
    @WithSession
    @Operation(summary = "A connection: status, products, and its current reauthentication session if any")
    @APIResponse(responseCode = "200", content = @Content(examples = @ExampleObject(name = "in reauth", value = """
            {"connection_id": "c5a0e4b2-1f7e-4c4e-9a51-2b7c1d0e9f11", "customer_id": "acme-1", "status": "reauth",
             "status_changed_at": "2026-11-29T11:00:00Z", "company_id": "514d0b1c-8f8e-4a3e-a1f5-6f2a9c0d3e77",
             "provider_id": "gusto", "connection_type": "provider", "products": ["company", "directory"],
             "entity_ids": ["9d3c0c7e-3a55-4b8b-8a57-5b1d2d3e4f60"], "connected_at": "2026-11-29T10:05:00Z",
             "reauth_session": {"session_id": "1b2c...", "connect_url": "https://connect.tryfinch.com/authorize?session=1b2c...&state=...",
                                "expires_at": "2026-12-29T11:00:00Z"}}""")))
    public Uni<ConnectionView> get(@PathParam("connection_id") String connectionId) {
        return find(connectionId).chain(connection -> (connection.status.needsEmployer()
                ? ReauthSessionStore.currentSession(pool, connection.connectionId, connection.reauthEpisode)
                : Uni.createFrom().<CreatedSession>nullItem())
                .map(session -> view(connection, session == null ? null
                        : new ReauthSessionView(session.sessionId(), session.connectUrl(), session.expiresAt()))));
    }

    @GET
    @Path("/access-token")
    @RolesAllowed("tokens:read")
    @WithSession
    @Operation(summary = "The connection's decrypted access token; every read is audit-logged")
    @APIResponse(responseCode = "200", content = @Content(examples = @ExampleObject(name = "token", value = """
            {"connection_id": "c5a0e4b2-1f7e-4c4e-9a51-2b7c1d0e9f11", "access_token": "<access token>", "token_type": "bearer"}""")))
    public Uni<AccessToken> accessToken(@PathParam("connection_id") String connectionId) {
        return find(connectionId).map(connection -> {
            String token = vault.decrypt(new EncryptedToken(connection.tokenKeyId, connection.tokenCiphertext));
            AUDIT.infof("access token of connection %s (customer %s, status %s) read by %s", connection.connectionId,
                    connection.customerId, connection.status.finchName(), identity.getPrincipal().getName());
            return new AccessToken(connection.connectionId, token, "bearer");
        });
    }

    private static Uni<Connection> find(String connectionId) {
        RequestChecks.id("connection_id", connectionId);
        return Connection.<Connection>findById(connectionId).onItem().ifNull()
                .failWith(() -> ProblemException.notFound("No connection " + connectionId));
    }

    static ConnectionView view(Connection connection, ReauthSessionView session) {
        return new ConnectionView(connection.connectionId, connection.customerId, connection.status.finchName(),
                connection.statusChangedAt, connection.companyId, connection.providerId, connection.connectionType,
                List.of(connection.products), List.of(connection.entityIds), connection.connectedAt, session);
    }
}
