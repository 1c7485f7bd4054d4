package io.finchconnect.webhook.rest;

import java.time.Clock;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Map;

import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.ExampleObject;
import org.eclipse.microprofile.openapi.annotations.parameters.RequestBody;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import org.jboss.resteasy.reactive.RestHeader;

import io.finchconnect.finch.config.FinchConfig;
import io.finchconnect.webhook.FinchSignatureVerifier;
import io.finchconnect.webhook.FinchSignatureVerifier.InvalidSignatureException;
import io.finchconnect.webhook.InboxIntake;
import io.finchconnect.webhook.InboxIntake.Channel;
import io.smallrye.mutiny.Uni;

/**
 * Finch's webhook receiver. Authenticated by Finch's signature over the raw body, not by a bearer token. An
 * authentic delivery is stored in the inbox in one statement and answered 200 ({@code accepted}, or
 * {@code duplicate} for an event id seen before); the inbox processor does the rest. An unreadable body is
 * stored as {@code rejected} rather than refused, since Finch would retry a refusal forever.
 */
@Path("/v1/webhooks/finch")
@Tag(name = "Incoming Finch events")
public class FinchWebhookResource {

    private final FinchSignatureVerifier verifier;
    private final InboxIntake intake;
    private final Clock clock;

    FinchWebhookResource(FinchConfig config, InboxIntake intake) {
        this.verifier = new FinchSignatureVerifier(config.webhookSecrets());
        this.intake = intake;
        this.clock = Clock.systemUTC();
    }

    @POST
    @Consumes(MediaType.WILDCARD)
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(summary = "Receive a signed Finch webhook (Finch-Event-Id, Finch-Timestamp, Finch-Signature)")
    @RequestBody(content = @Content(examples = @ExampleObject(name = "account.updated", value = """
            {"connection_id": "c5a0e4b2-1f7e-4c4e-9a51-2b7c1d0e9f11", "company_id": null, "account_id": null,
             "entity_id": null, "event_type": "account.updated", "data": {"status": "reauth", "authentication_method": "credential"}}""")))
    @APIResponse(responseCode = "200", content = @Content(examples = @ExampleObject(name = "accepted", value = """
            {"event_id": "msg_2SFMDibF3lmRw8DzX4t1JjiEZQl", "outcome": "accepted"}""")))
    public Uni<Map<String, String>> receive(@RestHeader("Finch-Event-Id") String eventId,
                                            @RestHeader("Finch-Timestamp") String timestamp,
                                            @RestHeader("Finch-Signature") String signature, byte[] body) {
        if (eventId != null && !eventId.isBlank() && !InboxIntake.isUsableEventId(eventId)) {
            throw new InvalidSignatureException("Finch-Event-Id is not a Finch event id");
        }
        Instant sentAt = verifier.verify(eventId, timestamp, signature, body == null ? new byte[0] : body, clock.instant());
        return intake.store(intake.entryOf(eventId, Channel.HTTP, OffsetDateTime.ofInstant(sentAt, ZoneOffset.UTC),
                        body == null ? new byte[0] : body))
                .map(outcome -> Map.of("event_id", eventId, "outcome", outcome.label()));
    }
}
