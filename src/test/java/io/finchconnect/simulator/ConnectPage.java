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
 * The Connect page at each {@code connect_url}: a person (or a browser test) picks a provider and authorizes;
 * the answer is a 303 to the redirect URI, or for the embedded SDK flow a page that posts the code to the host.
 */
final class ConnectPage {

    static final List<String> PROVIDERS = List.of("gusto", "adp_run", "bamboo_hr", "justworks", "paychex_flex");

    private final SimulatorState state;
    private final Set<String> allowedRedirectUris;

    ConnectPage(SimulatorState state, Set<String> allowedRedirectUris) {
        this.state = state;
        this.allowedRedirectUris = allowedRedirectUris;
    }

    void show(RoutingContext ctx) {
        MultiMap query = ctx.queryParams();
        Optional<ConnectSession> found = usableSession(ctx, query.get("session"));
        if (found.isEmpty()) {
            return;
        }
        String redirectUri = query.get("redirect_uri");
        if (redirectUri != null && !RequestFields.isAllowedRedirectUri(redirectUri, allowedRedirectUris)) {
            page(ctx, 400, "Invalid redirect URI", "<p>redirect_uri is not one of the application's redirect URIs.</p>");
            return;
        }
        ConnectSession session = found.get();
        StringBuilder form = new StringBuilder();
        form.append("<h1 id=\"customer-name\">").append(escape(session.customerName())).append("</h1>\n")
                .append("<p>Connect your payroll provider</p>\n")
                .append("<form id=\"connect-form\" method=\"post\" action=\"/authorize\">\n");
        hidden(form, "session", session.id());
        for (String field : List.of("state", "redirect_uri", "app_type", "sdk_host_url")) {
            hidden(form, field, query.get(field));
        }
        form.append("<fieldset id=\"providers\"><legend>Provider</legend>\n");
        for (String provider : providers(session)) {
            boolean selected = provider.equals(session.integrationProvider());
            form.append("<label><input type=\"radio\" name=\"provider\" required id=\"provider-").append(escape(provider))
                    .append("\" value=\"").append(escape(provider)).append('"').append(selected ? " checked" : "")
                    .append("> ").append(escape(provider)).append("</label><br>\n");
        }
        form.append("</fieldset>\n<button type=\"submit\" id=\"authorize\">Authorize</button>\n</form>\n");
        page(ctx, 200, "Finch Connect", form.toString());
    }

    void authorize(RoutingContext ctx) {
        MultiMap form = ctx.request().params();
        Optional<ConnectSession> found = usableSession(ctx, form.get("session"));
        if (found.isEmpty()) {
            return;
        }
        ConnectSession session = found.get();
        String provider = blankToNull(form.get("provider"));
        if (provider == null) {
            page(ctx, 400, "Pick a provider", "<p>Choose a provider before authorizing.</p>");
            return;
        }
        String state = blankToNull(form.get("state"));
        String redirectUri = blankToNull(form.get("redirect_uri"));
        if (redirectUri != null && !RequestFields.isAllowedRedirectUri(redirectUri, allowedRedirectUris)) {
            page(ctx, 400, "Invalid redirect URI", "<p>redirect_uri is not one of the application's redirect URIs.</p>");
            return;
        }
        if (redirectUri == null) {
            redirectUri = session.redirectUri();
        }
        String sdkHostUrl = blankToNull(form.get("sdk_host_url"));
        boolean embedded = redirectUri == null && "spa".equals(form.get("app_type")) && sdkHostUrl != null;
        if (redirectUri == null && !embedded) {
            page(ctx, 400, "No redirect URI", "<p>The session has no redirect_uri and the page was not opened by the SDK.</p>");
            return;
        }
        AuthorizationCode code = this.state.authorize(session.id(), provider, redirectUri);
        if (embedded) {
            postMessage(ctx, code.code(), state, sdkHostUrl);
        } else {
            ctx.response().setStatusCode(303).putHeader("Location", redirectTo(redirectUri, code.code(), state)).end();
        }
    }

    private Optional<ConnectSession> usableSession(RoutingContext ctx, String sessionId) {
        Optional<ConnectSession> session = state.session(sessionId);
        if (session.isEmpty()) {
            page(ctx, 404, "Session not found", "<p>This Connect link is not valid.</p>");
            return Optional.empty();
        }
        if (!state.isUsable(session.get())) {
            page(ctx, 410, "Session expired", "<p>This Connect link has expired or was already used.</p>");
            return Optional.empty();
        }
        return session;
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
        StringBuilder location = new StringBuilder(redirectUri)
                .append(redirectUri.contains("?") ? '&' : '?')
                .append("code=").append(URLEncoder.encode(code, StandardCharsets.UTF_8));
        if (state != null) {
            location.append("&state=").append(URLEncoder.encode(state, StandardCharsets.UTF_8));
        }
        return location.toString();
    }

    /** Speaks @tryfinch/react-connect's protocol: the SDK listens on its window for this message. */
    private static void postMessage(RoutingContext ctx, String code, String state, String sdkHostUrl) {
        JsonObject message = new JsonObject().put("name", "finch-auth-message-v2").put("kind", "success")
                .put("code", code).put("state", state);
        String script = "window.parent.postMessage(" + scriptLiteral(message.encode()) + ", "
                + scriptLiteral(Json.encode(sdkHostUrl)) + ");";
        page(ctx, 200, "Connected", "<p id=\"connected\">Connected. You can close this window.</p>\n<script>" + script + "</script>");
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
