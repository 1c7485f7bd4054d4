package io.finchconnect.simulator;

import io.vertx.core.json.JsonObject;

/**
 * A Finch API error: the HTTP status and the {@code {code, name, finch_code, message}} body Finch answers with.
 * Handlers throw it; the router's failure handler writes it.
 */
final class FinchError extends RuntimeException {

    private final int status;
    private final String name;
    private final String finchCode;

    FinchError(int status, String name, String finchCode, String message) {
        super(message, null, false, false);
        this.status = status;
        this.name = name;
        this.finchCode = finchCode;
    }

    static FinchError invalidRequest(String message) {
        return new FinchError(400, "invalid_request_error", "invalid_request", message);
    }

    static FinchError invalidApiVersion() {
        return new FinchError(400, "invalid_request_error", "invalid_api_version",
                "Header Finch-API-Version must be " + FinchApi.API_VERSION);
    }

    static FinchError connectionAlreadyExists(String customerId) {
        return new FinchError(400, "invalid_request_error", "connection_already_exists",
                "Customer " + customerId + " already has a connection; use /connect/sessions/reauthenticate to change it");
    }

    /** Finch's "Error Types" table lists {@code invalid_grant_error} with no finch_code. */
    static FinchError invalidGrant(String message) {
        return new FinchError(400, "invalid_grant_error", null, message);
    }

    static FinchError invalidClient() {
        return new FinchError(401, "authentication_error", "invalid_client", "Invalid client credentials");
    }

    static FinchError invalidToken() {
        return new FinchError(401, "authentication_error", "invalid_token", "Invalid or revoked access token");
    }

    static FinchError reauthenticateUser() {
        return new FinchError(401, "authentication_error", "reauthenticate_user", "Please reauthenticate user");
    }

    static FinchError notFound(String finchCode, String message) {
        return new FinchError(404, "not_found_error", finchCode, message);
    }

    static FinchError sessionExpired(String sessionId) {
        return new FinchError(410, "invalid_request_error", "session_expired",
                "Session " + sessionId + " has expired or was already used");
    }

    /** The answer of an injected fault: 429 or 5xx. */
    static FinchError forStatus(int status) {
        return switch (status) {
            case 429 -> new FinchError(429, "rate_limit_error", "rate_limit_exceeded", "Rate limit exceeded");
            case 502 -> new FinchError(502, "server_error", "bad_gateway", "Bad gateway");
            case 503 -> new FinchError(503, "server_error", "service_unavailable", "Service unavailable");
            default -> new FinchError(status, "server_error", "internal_server_error", "Internal server error");
        };
    }

    int status() {
        return status;
    }

    String finchCode() {
        return finchCode;
    }

    JsonObject toJson() {
        return new JsonObject()
                .put("code", status)
                .put("name", name)
                .put("finch_code", finchCode)
                .put("message", getMessage());
    }
}
