package io.finchconnect.simulator;

import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.List;
import java.util.Set;

/** A validated {@code POST /connect/sessions} body. Unknown fields, {@code state} among them, are ignored. */
record NewSessionRequest(String customerId, String customerName, String customerEmail, List<String> products,
                         String redirectUri, String integrationProvider, String integrationAuthMethod,
                         String sandbox, Boolean manual, Duration timeToExpire, JsonObject recordkeeping) {

    static final long DEFAULT_MINUTES_TO_EXPIRE = 129_600;
    private static final Set<String> AUTH_METHODS = Set.of("assisted", "credential", "oauth", "api_token");
    private static final Set<String> SANDBOXES = Set.of("finch", "provider");

    static NewSessionRequest parse(JsonObject body, Set<String> allowedRedirectUris) {
        String provider = null;
        String authMethod = null;
        Object integration = body.getValue("integration");
        if (integration != null) {
            if (!(integration instanceof JsonObject integrationBody)) {
                throw FinchError.invalidRequest("integration must be an object or null");
            }
            provider = RequestFields.requiredString(integrationBody, "provider", 255);
            authMethod = RequestFields.optionalEnum(integrationBody, "auth_method", AUTH_METHODS);
        }
        List<String> products = RequestFields.products(body, true);
        return new NewSessionRequest(
                RequestFields.requiredString(body, "customer_id", 255),
                RequestFields.requiredString(body, "customer_name", 255),
                RequestFields.optionalString(body, "customer_email"),
                products,
                RequestFields.redirectUri(body, allowedRedirectUris),
                provider,
                authMethod,
                RequestFields.optionalEnum(body, "sandbox", SANDBOXES),
                RequestFields.optionalBoolean(body, "manual"),
                RequestFields.minutesToExpire(body, DEFAULT_MINUTES_TO_EXPIRE),
                RequestFields.recordkeeping(body, products));
    }
}
