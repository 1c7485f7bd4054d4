package io.finchconnect.simulator;

import io.vertx.core.MultiMap;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The Connect page at each {@code connect_url}: a person (or a browser test) picks a provider and authorizes
 * or exits. The redirect flow answers with a 303 to the redirect URI ({@code code}, or {@code error} and
 * {@code error_description}); the embedded flow with a page that posts {@code @tryfinch/react-connect}'s
 * {@code finch-auth-message-v2} message ({@code success}, {@code closed} or {@code error}) to the host.
 */
final class ConnectPage {

    static final List<String> PROVIDERS = List.of("gusto", "adp_run", "bamboo_hr", "justworks", "paychex_flex");
    static final String MESSAGE_NAME = "finch-auth-message-v2";
    static final String VALIDATION_ERROR = "validation_error";
    static final String EMPLOYER_CONNECTION_ERROR = "employer_connection_error";
    /** RFC 6749 4.1.2.1's code for a resource owner who declines; Finch documents no code of its own. */
    static final String ACCESS_DENIED = "access_denied";

    private final SimulatorState state;
    private final Set<String> allowedRedirectUris;
    private final ProviderOutages outages;

    ConnectPage(SimulatorState state, Set<String> allowedRedirectUris, ProviderOutages outages) {
        this.state = state;
        this.allowedRedirectUris = allowedRedirectUris;
        this.outages = outages;
    }

    void show(RoutingContext ctx) {
        MultiMap query = ctx.queryParams();
        Optional<ConnectSession> found = usableSession(ctx, query.get("session"), sdkHost(query));
        if (found.isEmpty()) {
            return;
        }
        String redirectUri = query.get("redirect_uri");
        if (redirectUri != null && !RequestFields.isAllowedRedirectUri(redirectUri, allowedRedirectUris)) {
            page(ctx, 400, "Invalid redirect URI", "<p>redirect_uri is not one of the application's redirect URIs.</p>");
            return;
        }
        page(ctx, 200, "Finch Connect", form(found.get(), query, null));
    }

    void authorize(RoutingContext ctx) {
        MultiMap form = ctx.request().params();
        String sdkHost = sdkHost(form);
        Optional<ConnectSession> found = usableSession(ctx, form.get("session"), sdkHost);
        if (found.isEmpty()) {
            return;
        }
        ConnectSession session = found.get();
        String state = blankToNull(form.get("state"));
        String redirectUri = blankToNull(form.get("redirect_uri"));
        if (redirectUri != null && !RequestFields.isAllowedRedirectUri(redirectUri, allowedRedirectUris)) {
            page(ctx, 400, "Invalid redirect URI", "<p>redirect_uri is not one of the application's redirect URIs.</p>");
            return;
        }
        if (redirectUri == null) {
            redirectUri = session.redirectUri();
        }
        boolean embedded = redirectUri == null && sdkHost != null;
        if (redirectUri == null && !embedded) {
            page(ctx, 400, "No redirect URI", "<p>The session has no redirect_uri and the page was not opened by the SDK.</p>");
            return;
        }
        if ("cancel".equals(form.get("action"))) {
            // Exiting leaves the session usable: the employer may open the same link again.
            if (embedded) {
                postMessage(ctx, 200, "Closed", "<p id=\"closed\">Finch Connect was closed.</p>", message("closed"), sdkHost);
            } else {
                redirectWithError(ctx, redirectUri, ACCESS_DENIED, "The employer exited Finch Connect", state);
            }
            return;
        }
        String provider = blankToNull(form.get("provider"));
        if (provider == null) {
            String text = "Choose a provider before authorizing.";
            if (embedded) {
                postMessage(ctx, 400, "Pick a provider", form(session, form, text), error(text, false, VALIDATION_ERROR), sdkHost);
            } else {
                page(ctx, 400, "Pick a provider", form(session, form, text));
            }
            return;
        }
        Optional<String> outage = outages.message(provider);
        if (outage.isPresent()) {
            if (embedded) {
                // Not closing: the employer may try again or pick another provider, as in Finch's Connect.
                postMessage(ctx, 200, "Finch Connect", form(session, form, outage.get()),
                        error(outage.get(), false, EMPLOYER_CONNECTION_ERROR), sdkHost);
            } else {
                redirectWithError(ctx, redirectUri, EMPLOYER_CONNECTION_ERROR, outage.get(), state);
            }
            return;
        }
        AuthorizationCode code = this.state.authorize(session.id(), provider, redirectUri);
        if (embedded) {
            JsonObject success = message("success").put("code", code.code());
            if (state != null) {
                // react-connect types state as an optional string: absent, never null.
                success.put("state", state);
            }
            postMessage(ctx, 200, "Connected", "<p id=\"connected\">Connected. You can close this window.</p>", success, sdkHost);
        } else {
            ctx.response().setStatusCode(303).putHeader("Location", redirectTo(redirectUri, code.code(), state)).end();
        }
    }

    /** The embedded SDK opens the page with {@code app_type=spa} and its page's origin as {@code sdk_host_url}. */
    private static String sdkHost(MultiMap params) {
        String sdkHostUrl = blankToNull(params.get("sdk_host_url"));
        return "spa".equals(params.get("app_type")) ? sdkHostUrl : null;
    }

    private String form(ConnectSession session, MultiMap params, String errorText) {
        StringBuilder form = new StringBuilder();
        form.append("<h1 id=\"customer-name\">").append(escape(session.customerName())).append("</h1>\n")
                .append("<p>Connect your payroll provider</p>\n");
        if (errorText != null) {
            form.append("<p id=\"error\" role=\"alert\">").append(escape(errorText)).append("</p>\n");
        }
        form.append("<form id=\"connect-form\" method=\"post\" action=\"/authorize\">\n");
        hidden(form, "session", session.id());
        for (String field : List.of("state", "redirect_uri", "app_type", "sdk_host_url")) {
            hidden(form, field, params.get(field));
        }
        form.append("<fieldset id=\"providers\"><legend>Provider</legend>\n");
        for (String provider : providers(session)) {
            boolean selected = provider.equals(session.integrationProvider());
            form.append("<label><input type=\"radio\" name=\"provider\" required id=\"provider-").append(escape(provider))
                    .append("\" value=\"").append(escape(provider)).append('"').append(selected ? " checked" : "")
                    .append("> ").append(escape(provider)).append("</label><br>\n");
        }
        form.append("</fieldset>\n")
                .append("<button type=\"submit\" name=\"action\" value=\"authorize\" id=\"authorize\">Authorize</button>\n")
                .append("<button type=\"submit\" name=\"action\" value=\"cancel\" id=\"cancel\" formnovalidate>Exit</button>\n")
                .append("</form>\n");
        return form.toString();
    }

    private Optional<ConnectSession> usableSession(RoutingContext ctx, String sessionId, String sdkHost) {
        Optional<ConnectSession> session = state.session(sessionId);
        if (session.isEmpty()) {
            invalidSession(ctx, 404, "Session not found", "This Connect link is not valid.", sdkHost);
            return Optional.empty();
        }
        if (!state.isUsable(session.get())) {
            invalidSession(ctx, 410, "Session expired", "This Connect link has expired or was already used.", sdkHost);
            return Optional.empty();
        }
        return session;
    }

    /** The embedded SDK learns of a link it cannot use only through a message, so the page closes itself. */
    private static void invalidSession(RoutingContext ctx, int status, String title, String text, String sdkHost) {
        String content = "<p>" + escape(text) + "</p>";
        if (sdkHost == null) {
            page(ctx, status, title, content);
        } else {
            postMessage(ctx, status, title, content, error(text, true, VALIDATION_ERROR), sdkHost);
        }
    }

    private static List<String> providers(ConnectSession session) {
        List<String> providers = new ArrayList<>(PROVIDERS);
        String preselected = session.integrationProvider();
        if (preselected != null && !providers.contains(preselected)) {
            providers.add(0, preselected);
        }
        return providers;
    }

    static String redirectTo(String redirectUri, String code, String state) {
        return withQuery(redirectUri, "code=" + encode(code), state);
    }

    private static void redirectWithError(RoutingContext ctx, String redirectUri, String error, String description,
                                          String state) {
        String location = withQuery(redirectUri, "error=" + encode(error) + "&error_description=" + encode(description), state);
        ctx.response().setStatusCode(303).putHeader("Location", location).end();
    }

    private static String withQuery(String redirectUri, String parameters, String state) {
        StringBuilder location = new StringBuilder(redirectUri).append(redirectUri.contains("?") ? '&' : '?').append(parameters);
        if (state != null) {
            location.append("&state=").append(encode(state));
        }
        return location.toString();
    }

    private static String encode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }

    private static JsonObject message(String kind) {
        return new JsonObject().put("name", MESSAGE_NAME).put("kind", kind);
    }

    private static JsonObject error(String text, boolean shouldClose, String type) {
        return message("error").put("error", new JsonObject().put("message", text).put("shouldClose", shouldClose).put("type", type));
    }

    /** Speaks @tryfinch/react-connect's protocol: the SDK listens on its window for this message. */
    private static void postMessage(RoutingContext ctx, int status, String title, String content, JsonObject message,
                                    String sdkHostUrl) {
        String script = "window.parent.postMessage(" + scriptLiteral(message.encode()) + ", "
                + scriptLiteral(Json.encode(sdkHostUrl)) + ");";
        page(ctx, status, title, content + "\n<script>" + script + "</script>");
    }

    /** JSON is valid JavaScript; escaping '<' keeps a value from closing the script element. */
    private static String scriptLiteral(String json) {
        return json.replace("<", "\\u003c");
    }

    private static void hidden(StringBuilder form, String name, String value) {
        if (value != null) {
            form.append("<input type=\"hidden\" name=\"").append(name).append("\" value=\"").append(escape(value)).append("\">\n");
        }
    }

    private static void page(RoutingContext ctx, int status, String title, String content) {
        ctx.response().setStatusCode(status).putHeader("Content-Type", "text/html; charset=utf-8")
                .end("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>" + escape(title) + "</title></head>\n<body>\n"
                        + content + "\n</body></html>\n");
    }

    private static String blankToNull(String value) {
        return value == null || value.isBlank() ? null : value;
    }

    static String escape(String text) {
        if (text == null) {
            return "";
        }
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
                .replace("\"", "&quot;").replace("'", "&#39;");
    }
}
