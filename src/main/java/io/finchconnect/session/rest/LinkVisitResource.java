package io.finchconnect.session.rest;

import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;

import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import io.finchconnect.session.LinkVisits;
import io.finchconnect.session.LinkVisits.AlreadyConnected;
import io.finchconnect.session.LinkVisits.NotYet;
import io.finchconnect.session.LinkVisits.Outcome;
import io.finchconnect.session.LinkVisits.ToFinch;
import io.finchconnect.session.LinkVisits.TooMany;
import io.finchconnect.state.config.ConnectConfig;
import io.smallrye.mutiny.Uni;
import io.vertx.core.http.HttpServerRequest;

/**
 * The durable link an employer opens from an email: public, authenticated by the link's token alone. It answers a
 * redirect or a small page, never a problem; the token is in no log line (it is the path, which nothing here logs).
 */
@Path("/connect/{link}")
@Tag(name = "Connect flow")
public class LinkVisitResource {

    private final LinkVisits visits;
    private final ConnectConfig connect;

    LinkVisitResource(LinkVisits visits, ConnectConfig connect) {
        this.visits = visits;
        this.connect = connect;
    }

    @GET
    @Operation(summary = "A durable connect link: to Finch Connect with a fresh state, or already connected")
    @APIResponse(responseCode = "303", description = "to Finch's connect_url with a state for this visit; or, the customer "
            + "being connected and healthy, to CONNECT_RETURN_URL with outcome=already_connected")
    @APIResponse(responseCode = "200", description = "already connected, without CONNECT_RETURN_URL",
            content = @Content(mediaType = "text/html"))
    @APIResponse(responseCode = "404", description = "unknown, expired or revoked link (one page for all)",
            content = @Content(mediaType = "text/html"))
    @APIResponse(responseCode = "429", description = "too many visits of this link or from this address",
            content = @Content(mediaType = "text/html"))
    @APIResponse(responseCode = "503", description = "Finch's session is not ready yet: the same link works shortly",
            content = @Content(mediaType = "text/html"))
    public Uni<Response> visit(@PathParam("link") String link, @Context HttpServerRequest request) {
        String address = request.remoteAddress() == null ? "unknown" : request.remoteAddress().hostAddress();
        return visits.visit(link, address).map(this::answer);
    }

    private Response answer(Outcome outcome) {
        if (outcome instanceof ToFinch toFinch) {
            return noStore(Response.seeOther(URI.create(toFinch.url()))).build();
        }
        if (outcome instanceof AlreadyConnected connected) {
            if (connect.returnUrl().isPresent()) {
                URI target = connect.returnUrl().get();
                return noStore(Response.seeOther(URI.create(target + (target.getQuery() == null ? "?" : "&")
                        + "outcome=already_connected&customer_id=" + URLEncoder.encode(connected.customerId(), StandardCharsets.UTF_8))))
                        .build();
            }
            return page(200, "Your payroll system is already connected", "already_connected",
                    "Nothing more to do: you can close this window.").build();
        }
        if (outcome instanceof TooMany tooMany) {
            return page(429, "Too many attempts", "too_many_visits", "Please wait a minute and open the link again.")
                    .header("Retry-After", tooMany.retryAfter().toSeconds()).build();
        }
        if (outcome instanceof NotYet notYet) {
            return page(503, "Almost ready", "not_ready", "Please open the same link again in a few seconds.")
                    .header("Retry-After", notYet.retryAfter().toSeconds()).build();
        }
        return page(404, "This link is not valid", "not_found",
                "It may have expired or been replaced. Please ask for a new link.").build();
    }

    private static Response.ResponseBuilder page(int status, String title, String outcome, String next) {
        String html = "<!doctype html><html><head><meta charset=\"utf-8\"><title>" + title + "</title></head><body><h1>"
                + title + "</h1><dl><dt>outcome</dt><dd id=\"outcome\">" + outcome + "</dd></dl><p id=\"next\">" + next
                + "</p></body></html>";
        return noStore(Response.status(status).type(MediaType.TEXT_HTML_TYPE.withCharset("UTF-8")).entity(html));
    }

    /** Never cached; and the link's token is not sent on as a Referer. */
    private static Response.ResponseBuilder noStore(Response.ResponseBuilder response) {
        return response.header("Cache-Control", "no-store").header("Referrer-Policy", "no-referrer");
    }
}
