package io.finchconnect.simulator;

import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.List;
import java.util.Set;

/** A validated {@code POST /connect/sessions/reauthenticate} body; null products keep the connection's. */
record ReauthSessionRequest(String connectionId, List<String> products, String redirectUri, Duration timeToExpire) {

    static final long DEFAULT_MINUTES_TO_EXPIRE = 43_200;

    static ReauthSessionRequest parse(JsonObject body, Set<String> allowedRedirectUris) {
        return new ReauthSessionRequest(
                RequestFields.requiredString(body, "connection_id", 255),
                RequestFields.products(body, false),
                RequestFields.redirectUri(body, allowedRedirectUris),
                RequestFields.minutesToExpire(body, DEFAULT_MINUTES_TO_EXPIRE));
    }
}
