package io.finchconnect.connection.rest;

import java.time.OffsetDateTime;
import java.util.List;

import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.ExampleObject;
import org.eclipse.microprofile.openapi.annotations.parameters.RequestBody;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import org.jboss.logging.Logger;

import io.finchconnect.common.error.UnknownResourceException;
import io.finchconnect.common.validation.RequestChecks;
import io.finchconnect.connection.vault.EncryptedToken;
import io.finchconnect.connection.vault.TokenVault;
import io.quarkus.security.identity.SecurityIdentity;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * A connection as other services see it, and its access token for the services allowed to call Finch with
 * it. Every token read is audit-logged, without the token.
 */
@Path("/v1/connections/{connection_id}")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "Connections")
public class ConnectionResource {

    private static final Logger AUDIT = Logger.getLogger("io.finchconnect.audit");

    /** The reauth session shown is the current episode's while one is open (one statement). */
    private static final String CONNECTION_WITH_REAUTH_SESSION = """
            SELECT c.connection_id, c.customer_id, c.status, c.status_changed_at, c.company_id, c.provider_id,
                   c.connection_type, c.products, c.entity_ids, c.entity_statuses, c.connected_at, r.session_id AS reauth_session_id,
                   r.connect_url AS reauth_connect_url, r.expires_at AS reauth_expires_at
            FROM connections c
            LEFT JOIN reauth_sessions r ON (c.status IN ('reauth', 'error_permissions', 'error_no_account_setup')
                 OR c.reauth_requested_at IS NOT NULL) AND r.connection_id = c.connection_id
                 AND r.episode = c.reauth_episode AND r.expires_at > now()
            WHERE c.connection_id = $1
            """;
    private static final String TOKEN = """
            SELECT connection_id, customer_id, status, token_key_id, token_ciphertext, token_format FROM connections WHERE connection_id = $1
            """;

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
                                 List<String> entityIds, List<EntityView> entities, OffsetDateTime connectedAt,
                                 ReauthSessionView reauthSession) {
    }

    /** An attached entity and its status as Finch last gave it ({@code null} before Finch was first asked). */
    public record EntityView(String entityId, String status) {
    }

    public record ReauthSessionView(String sessionId, String connectUrl, OffsetDateTime expiresAt) {
    }

    public record AccessToken(String connectionId, String accessToken, String tokenType) {
    }

    @GET
    @RolesAllowed("connections:read")
    @Operation(summary = "A connection: status, products, and its current reauthentication session if any")
    @APIResponse(responseCode = "200", content = @Content(examples = @ExampleObject(name = "in reauth", value = """
            {"connection_id": "c5a0e4b2-1f7e-4c4e-9a51-2b7c1d0e9f11", "customer_id": "acme-1", "status": "reauth",
             "status_changed_at": "2026-11-29T11:00:00Z", "company_id": "514d0b1c-8f8e-4a3e-a1f5-6f2a9c0d3e77",
             "provider_id": "gusto", "connection_type": "provider", "products": ["company", "directory"],
             "entity_ids": ["9d3c0c7e-3a55-4b8b-8a57-5b1d2d3e4f60"],
             "entities": [{"entity_id": "9d3c0c7e-3a55-4b8b-8a57-5b1d2d3e4f60", "status": "reauth"}], "connected_at": "2026-11-29T10:05:00Z",
             "reauth_session": {"session_id": "1b2c...", "connect_url": "https://connect.tryfinch.com/authorize?session=1b2c...&state=...",
                                "expires_at": "2026-12-29T11:00:00Z"}}""")))
    public Uni<ConnectionView> get(@PathParam("connection_id") String connectionId) {
        return single(CONNECTION_WITH_REAUTH_SESSION, checked(connectionId)).map(row -> {
            ReauthSessionView session = row.getString("reauth_session_id") == null ? null : new ReauthSessionView(
                    row.getString("reauth_session_id"), row.getString("reauth_connect_url"),
                    row.getOffsetDateTime("reauth_expires_at"));
            return new ConnectionView(row.getString("connection_id"), row.getString("customer_id"), row.getString("status"),
                    row.getOffsetDateTime("status_changed_at"), row.getString("company_id"), row.getString("provider_id"),
                    row.getString("connection_type"), List.of(row.getArrayOfStrings("products")),
                    List.of(row.getArrayOfStrings("entity_ids")), entities(row), row.getOffsetDateTime("connected_at"), session);
        });
    }

    private static List<EntityView> entities(Row row) {
        String[] ids = row.getArrayOfStrings("entity_ids");
        String[] statuses = row.getArrayOfStrings("entity_statuses");
        List<EntityView> entities = new java.util.ArrayList<>();
        for (int i = 0; i < ids.length; i++) {
            entities.add(new EntityView(ids[i], i < statuses.length ? statuses[i] : null));
        }
        return entities;
    }

    @GET
    @Path("/access-token")
    @RolesAllowed("tokens:read")
    @Operation(summary = "The connection's decrypted access token; every read is audit-logged")
    @APIResponse(responseCode = "200", content = @Content(examples = @ExampleObject(name = "token", value = """
            {"connection_id": "c5a0e4b2-1f7e-4c4e-9a51-2b7c1d0e9f11", "access_token": "<access token>", "token_type": "bearer"}""")))
    public Uni<Response> accessToken(@PathParam("connection_id") String connectionId) {
        return single(TOKEN, checked(connectionId)).map(row -> {
            String token = vault.decrypt(row.getString("connection_id"), EncryptedToken.stored(
                    row.getString("token_key_id"), row.getBuffer("token_ciphertext").getBytes(), row.getShort("token_format")));
            AUDIT.infof("access token of connection %s (customer %s, status %s) read by %s", row.getString("connection_id"),
                    row.getString("customer_id"), row.getString("status"), identity.getPrincipal().getName());
            // A bearer credential: no cache on the way may keep it.
            return Response.ok(new AccessToken(row.getString("connection_id"), token, "bearer"))
                    .header("Cache-Control", "no-store").header("Pragma", "no-cache").build();
        });
    }

    /** One statement on one pooled connection: never a second connection asked for while one is held. */
    private Uni<Row> single(String sql, String connectionId) {
        return pool.preparedQuery(sql).execute(Tuple.of(connectionId)).map(rows -> {
            if (!rows.iterator().hasNext()) {
                throw new UnknownResourceException("No connection " + connectionId);
            }
            return rows.iterator().next();
        });
    }

    private static String checked(String connectionId) {
        return RequestChecks.id("connection_id", connectionId);
    }

}
