package io.finchconnect.finch.client;

import java.time.Duration;
import java.time.Instant;

import jakarta.ws.rs.core.Response;

/**
 * Turns Finch's error answers into the typed failures callers and the retry policy act on, with Finch's retry
 * rules as the official SDK applies them ({@code shouldRetry} in its {@code client.ts}): {@code x-should-retry}
 * decides when present; else 408, 409, 429 and 5xx are retried, except 501 {@code not_implemented_error}, which
 * docs/finch.md calls permanent.
 */
final class FinchResponses {

    private FinchResponses() {
    }

    static RuntimeException failureOf(Response response) {
        int status = response.getStatus();
        Duration retryAfter = RetryAfterHeader.delay(response.getHeaderString("retry-after-ms"),
                response.getHeaderString("Retry-After"), Instant.now());
        boolean shouldRetry = shouldRetry(status, response.getHeaderString("x-should-retry"));
        if (status == 429) {
            return new FinchRateLimitedException(retryAfter, shouldRetry);
        }
        if (status >= 500 && status != 501) {
            return FinchUnavailableException.serverError(status, retryAfter, shouldRetry);
        }
        FinchErrorBody body = errorBody(response);
        if (!finchShaped(status, body)) {
            // A proxy's or a load balancer's page (docs/finch.md, "Telling Finch's answers from anything else"):
            // Finch has not answered, so nothing may be concluded from the status, a 401 least of all.
            return FinchUnavailableException.notFinchs(status);
        }
        return new FinchRejectedException(status, body, shouldRetry, retryAfter);
    }

    /** Finch's error shape: its {@code code} (the HTTP status) and {@code name}. */
    private static boolean finchShaped(int status, FinchErrorBody body) {
        return body != null && body.code() != null && body.code() == status && body.name() != null && !body.name().isBlank();
    }

    static boolean shouldRetry(int status, String shouldRetryHeader) {
        if ("true".equals(shouldRetryHeader)) {
            return true;
        }
        if ("false".equals(shouldRetryHeader)) {
            return false;
        }
        return status == 408 || status == 409 || status == 429 || (status >= 500 && status != 501);
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
