package io.finchconnect.finch.client;

import java.time.Instant;

import jakarta.ws.rs.core.Response;

/**
 * Turns Finch's error answers into the typed failures callers and the retry policy act on.
 */
final class FinchResponses {

    private FinchResponses() {
    }

    static RuntimeException failureOf(Response response) {
        int status = response.getStatus();
        if (status == 429) {
            return new FinchRateLimitedException(RetryAfterHeader.parse(response.getHeaderString("Retry-After"), Instant.now()));
        }
        if (status >= 500) {
            return FinchUnavailableException.serverError(status,
                    RetryAfterHeader.parse(response.getHeaderString("Retry-After"), Instant.now()));
        }
        return new FinchRejectedException(status, errorBody(response));
    }

    /** Null when the body is not Finch's JSON error shape (a proxy's HTML page, say). */
    private static FinchErrorBody errorBody(Response response) {
        try {
            return response.readEntity(FinchErrorBody.class);
        } catch (RuntimeException unreadable) {
            return null;
        }
    }
}
