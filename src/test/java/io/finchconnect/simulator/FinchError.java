package io.finchconnect.simulator;

import io.vertx.core.json.JsonObject;

/**
 * A Finch API error: the HTTP status and the {@code {code, name, finch_code, message}} body Finch answers with.
 * Only the {@code name}/{@code finch_code} pairs of Finch's "Error Types" page (docs/finch.md) are used; where the
 * page lists no finch_code the body carries {@code null}. Handlers throw it; the router's failure handler writes it.
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

    /** "Failed to validate request": Finch's 400 for a body or header it does not accept. */
    static FinchError invalidRequest(String message) {
        return new FinchError(400, "bad_request", "invalid_request", message);
    }

    static FinchError invalidApiVersion() {
        return invalidRequest("Header Finch-API-Version must be " + FinchApi.API_VERSION);
    }

    /**
     * The Connect guide says Finch refuses a new session for a customer who already connected, without printing
     * the body: the simulator answers Finch's documented validation shape, so nothing can match an invented code.
     */
    static FinchError customerAlreadyConnected(String customerId) {
        return invalidRequest("Customer " + customerId
                + " has already connected; use /connect/sessions/reauthenticate to change the connection");
    }

    /** Finch's "Error Types" table lists {@code invalid_grant_error} with no finch_code. */
    static FinchError invalidGrant(String message) {
        return new FinchError(400, "invalid_grant_error", null, message);
    }

    static FinchError invalidClient() {
        return new FinchError(401, "invalid_client_error", null, "The provided application credentials were incorrect");
    }

    static FinchError invalidToken() {
        return new FinchError(401, "invalid_token_error", null, "The access_token is incorrect");
    }

    static FinchError missingToken() {
        return new FinchError(401, "unauthorized_request_error", null, "The access_token is missing from the header");
    }

    static FinchError reauthenticateUser() {
        return new FinchError(401, "authentication_error", "reauthenticate_user", "Please reauthenticate user");
    }

    static FinchError notFound(String message) {
        return new FinchError(404, "not_found_error", "item_not_found", message);
    }

    /**
     * The answer of an injected fault: 401 (a token Finch does not take, as a disconnected connection's), 404, 408,
     * 409, 429 or 5xx, with the names of docs/finch.md's vocabulary. No 403: Finch's error types name none.
     */
    static FinchError forStatus(int status) {
        return switch (status) {
            case 401 -> invalidToken();
            case 404 -> notFound("Not found");
            case 408 -> new FinchError(408, "client_connection_closed", null, "The client connection is closed");
            case 409 -> invalidRequestWithStatus(409, "Conflict");
            case 429 -> new FinchError(429, "rate_limit_exceeded_error", "finch_application_rl", "Rate limit exceeded");
            case 501 -> new FinchError(501, "not_implemented_error", null, "Not implemented");
            case 502 -> new FinchError(502, "bad_gateway_error", null, "Bad gateway");
            default -> new FinchError(status, "server_error", null, "Internal server error");
        };
    }

    /** Any other injected 4xx: Finch's validation shape with that status. */
    static FinchError invalidRequestWithStatus(int status, String message) {
        return new FinchError(status, "bad_request", "invalid_request", message);
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
