package io.finchconnect.webhook.rest;

import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.UUID;

import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.ExampleObject;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import org.jboss.logging.Logger;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;

import io.finchconnect.common.error.UnknownResourceException;
import io.finchconnect.common.validation.RequestChecks;
import io.finchconnect.connection.Connection;
import io.finchconnect.webhook.FinchEvent;
import io.finchconnect.webhook.InboxIntake;
import io.finchconnect.webhook.InboxIntake.Channel;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.quarkus.security.identity.SecurityIdentity;
import io.smallrye.mutiny.Uni;

/**
 * For services that called Finch with a connection's token and got {@code 401 reauthenticate_user}: a hint
 * like Finch's own event, stored in the inbox; the processor asks Finch and applies what Finch says (the
 * {@code reauth_needed} event then has reason {@code reported}).
 */
@Path("/v1/connections/{connection_id}/reauth-required")
@Tag(name = "Connections")
public class ReauthReportResource {

    private static final Logger LOG = Logger.getLogger(ReauthReportResource.class);

    private final InboxIntake intake;
    private final SecurityIdentity identity;

    ReauthReportResource(InboxIntake intake, SecurityIdentity identity) {
        this.intake = intake;
        this.identity = identity;
    }

    @POST
    @RolesAllowed("connections:report")
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(summary = "Report that Finch answered reauthenticate_user for this connection's token")
    @APIResponse(responseCode = "200", content = @Content(examples = @ExampleObject(name = "accepted", value = """
            {"connection_id": "c5a0e4b2-1f7e-4c4e-9a51-2b7c1d0e9f11", "status": "reauth", "outcome": "accepted",
             "report_id": "report_0d6f..."}""")))
    public Uni<ReportResult> report(@PathParam("connection_id") String connectionId) {
        RequestChecks.id("connection_id", connectionId);
        String reportId = "report_" + UUID.randomUUID();
        FinchEvent event = new FinchEvent(connectionId, null, null, null, FinchEvent.REAUTH_REPORTED,
                JsonNodeFactory.instance.objectNode().put("status", "reauth"));
        // Checked first, so a refused report is not recorded as an event. By id: no query text for Hibernate to
        // parse on the event loop.
        return Panache.withSession(() -> Connection.findById(connectionId))
                .invoke(found -> {
                    if (found == null) {
                        throw new UnknownResourceException("No connection " + connectionId);
                    }
                })
                .chain(() -> intake.store(intake.entryOf(reportId, Channel.REPORT, OffsetDateTime.now(ZoneOffset.UTC), event)))
                .map(outcome -> {
                    LOG.infof("Connection %s reported as needing reauthentication by %s (%s)", connectionId,
                            identity.getPrincipal().getName(), outcome.label());
                    return new ReportResult(connectionId, "reauth", outcome.label(), reportId);
                });
    }

    public record ReportResult(String connectionId, String status, String outcome, String reportId) {
    }
}
