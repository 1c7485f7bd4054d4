package io.finchconnect.connection.rest;

import java.util.List;

import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.ExampleObject;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import org.jboss.logging.Logger;

import io.finchconnect.common.error.InvalidRequestException;
import io.finchconnect.connection.vault.TokenReencryption;
import io.finchconnect.connection.vault.TokenReencryption.KeyUsage;
import io.finchconnect.connection.vault.TokenReencryption.Report;
import io.quarkus.security.identity.SecurityIdentity;
import io.smallrye.mutiny.Uni;

/**
 * Operator endpoints for retiring a token vault key: which keys the stored tokens are under, and re-encrypting
 * all of them under the active key (docs/operations.md, "Retiring a token vault key").
 */
@Path("/v1/admin/token-vault")
@Produces(MediaType.APPLICATION_JSON)
@RolesAllowed("connections:write")
@Tag(name = "Token vault administration")
public class TokenVaultAdminResource {

    private static final Logger LOG = Logger.getLogger(TokenVaultAdminResource.class);

    private final TokenReencryption reencryption;
    private final SecurityIdentity identity;

    TokenVaultAdminResource(TokenReencryption reencryption, SecurityIdentity identity) {
        this.reencryption = reencryption;
        this.identity = identity;
    }

    @GET
    @Operation(summary = "How many connections hold a token under each key id and format (2 = bound to its connection)")
    @APIResponse(responseCode = "200", content = @Content(examples = @ExampleObject(name = "usage", value = """
            [{"key_id": "2026-06", "format": 1, "connections": 120}, {"key_id": "2026-12", "format": 2, "connections": 4711}]""")))
    public Uni<List<KeyUsage>> usage() {
        return reencryption.usageByKey();
    }

    @POST
    @Path("/re-encrypt")
    @Operation(summary = "Re-encrypt every token under the active key, bound to its connection",
            description = "Batches keyed on connection_id; safe to repeat or to run on two instances at once, and a run"
                    + " cut short resumes by running again. A key may leave TOKEN_VAULT_KEYS once by_key no longer names it.")
    @APIResponse(responseCode = "200", content = @Content(examples = @ExampleObject(name = "done", value = """
            {"active_key_id": "2026-12", "reencrypted": 120, "unreadable": 0, "remaining": 0,
             "by_key": [{"key_id": "2026-12", "format": 2, "connections": 4831}]}""")))
    public Uni<Report> reencrypt(@QueryParam("batch_size") @DefaultValue("500") int batchSize) {
        if (batchSize < 1 || batchSize > 5000) {
            throw new InvalidRequestException("batch_size", "batch_size must be between 1 and 5000");
        }
        LOG.infof("Token re-encryption requested by %s", identity.getPrincipal().getName());
        return reencryption.reencryptAll(batchSize);
    }
}
