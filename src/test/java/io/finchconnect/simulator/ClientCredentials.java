package io.finchconnect.simulator;

import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Base64;

/** Checks the application's client id and secret, sent as HTTP Basic or, for /auth/token, in the JSON body. */
final class ClientCredentials {

    private final String clientId;
    private final String clientSecret;

    String clientId() {
        return clientId;
    }

    ClientCredentials(String clientId, String clientSecret) {
        this.clientId = clientId;
        this.clientSecret = clientSecret;
    }

    void requireBasic(RoutingContext ctx) {
        String header = ctx.request().getHeader("Authorization");
        if (header == null || !header.regionMatches(true, 0, "Basic ", 0, 6)) {
            throw FinchError.invalidClient();
        }
        String decoded;
        try {
            decoded = new String(Base64.getDecoder().decode(header.substring(6).trim()), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw FinchError.invalidClient();
        }
        int colon = decoded.indexOf(':');
        if (colon < 0) {
            throw FinchError.invalidClient();
        }
        require(decoded.substring(0, colon), decoded.substring(colon + 1));
    }

    /** The token endpoint takes the credentials from the body when it carries them, else from Basic. */
    void requireFromBodyOrBasic(RoutingContext ctx, JsonObject body) {
        if (body.getValue("client_id") != null || body.getValue("client_secret") != null) {
            require(RequestFields.optionalString(body, "client_id"), RequestFields.optionalString(body, "client_secret"));
        } else {
            requireBasic(ctx);
        }
    }

    private void require(String id, String secret) {
        if (!(constantTimeEquals(clientId, id) & constantTimeEquals(clientSecret, secret))) {
            throw FinchError.invalidClient();
        }
    }

    private static boolean constantTimeEquals(String expected, String actual) {
        return actual != null && MessageDigest.isEqual(expected.getBytes(StandardCharsets.UTF_8),
                actual.getBytes(StandardCharsets.UTF_8));
    }
}
