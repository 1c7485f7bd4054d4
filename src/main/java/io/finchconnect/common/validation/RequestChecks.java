package io.finchconnect.common.validation;

import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;

import io.finchconnect.common.error.InvalidRequestException;

/**
 * The edge checks every endpoint shares, each failing with an {@link InvalidRequestException} that names the field.
 */
public final class RequestChecks {

    /** Finch's limit for ids and names (docs/finch.md), and our columns'. */
    public static final int MAX_ID = 255;

    private RequestChecks() {
    }

    public static String required(String field, String value, int max) {
        if (value == null) {
            throw new InvalidRequestException(field, field + " is required");
        }
        return optional(field, value, max);
    }

    public static String optional(String field, String value, int max) {
        if (value != null && (value.isEmpty() || value.length() > max)) {
            throw new InvalidRequestException(field, field + " must be 1 to " + max + " characters");
        }
        if (value != null && value.indexOf('\u0000') >= 0) {
            // PostgreSQL text cannot hold NUL: refused here, not as a failed statement after Finch was called.
            throw new InvalidRequestException(field, field + " must not contain NUL characters");
        }
        return value;
    }

    public static String id(String field, String value) {
        return required(field, value, MAX_ID);
    }

    /** A redirect URI must be one this service is configured to accept (and Finch knows). */
    public static String redirectUri(String value, List<String> allowed) {
        if (value != null && !allowed.contains(value)) {
            throw new InvalidRequestException("redirect_uri", "redirect_uri is not on the allow-list of this service");
        }
        return value;
    }

    /** Finch's bound of {@code minutes_to_expire} (API reference, new-session): 90 days. */
    public static final int MAX_MINUTES_TO_EXPIRE = 129_600;

    /**
     * {@code minutes_to_expire} as Finch takes it: an integer from 1 to 129,600. Read from the raw JSON so that a
     * fraction ({@code 90.5}, even {@code 60.0}) or a string is refused instead of being coerced.
     */
    public static int minutesToExpire(JsonNode value, int defaultMinutes) {
        if (value == null || value.isNull()) {
            return defaultMinutes;
        }
        if (!value.isIntegralNumber() || !value.canConvertToInt() || value.intValue() < 1
                || value.intValue() > MAX_MINUTES_TO_EXPIRE) {
            throw new InvalidRequestException("minutes_to_expire",
                    "minutes_to_expire must be an integer from 1 to " + MAX_MINUTES_TO_EXPIRE);
        }
        return value.intValue();
    }
}
