package io.finchconnect.common.validation;

import java.util.List;

import io.finchconnect.common.problem.ProblemException;

/**
 * The edge checks every endpoint shares, each failing with a {@code 400} problem that names the field.
 */
public final class RequestChecks {

    /** Finch's limit for ids and names (finch-api.md), and our columns'. */
    public static final int MAX_ID = 255;

    private RequestChecks() {
    }

    public static String required(String field, String value, int max) {
        if (value == null) {
            throw ProblemException.badRequest(field, field + " is required");
        }
        return optional(field, value, max);
    }

    public static String optional(String field, String value, int max) {
        if (value != null && (value.isEmpty() || value.length() > max)) {
            throw ProblemException.badRequest(field, field + " must be 1 to " + max + " characters");
        }
        if (value != null && value.indexOf('\u0000') >= 0) {
            // PostgreSQL text cannot hold NUL: refused here, not as a failed statement after Finch was called.
            throw ProblemException.badRequest(field, field + " must not contain NUL characters");
        }
        return value;
    }

    public static String id(String field, String value) {
        return required(field, value, MAX_ID);
    }

    /** A redirect URI must be one this service is configured to accept (and Finch knows). */
    public static String redirectUri(String value, List<String> allowed) {
        if (value != null && !allowed.contains(value)) {
            throw ProblemException.badRequest("redirect_uri", "redirect_uri is not on the allow-list of this service");
        }
        return value;
    }

    public static int minutesToExpire(Integer value, int defaultMinutes) {
        int minutes = value == null ? defaultMinutes : value;
        if (minutes < 1 || minutes > 525_600) {
            throw ProblemException.badRequest("minutes_to_expire", "minutes_to_expire must be between 1 and 525600");
        }
        return minutes;
    }
}
