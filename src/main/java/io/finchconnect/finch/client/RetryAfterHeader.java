package io.finchconnect.finch.client;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;

/**
 * Reads how long Finch asks us to wait, as the official SDK does: {@code retry-after-ms} (milliseconds) first,
 * else {@code Retry-After} as seconds (fractions allowed) or an HTTP-date (RFC 9110, 10.2.3).
 */
final class RetryAfterHeader {

    /** Longer than any wait we would honour; keeps a huge value from overflowing. */
    private static final Duration CEILING = Duration.ofDays(1);

    private RetryAfterHeader() {
    }

    static Duration delay(String retryAfterMs, String retryAfter, Instant now) {
        Duration millis = milliseconds(retryAfterMs);
        return millis != null ? millis : parse(retryAfter, now);
    }

    /** The delay {@code Retry-After} asks for, or null when absent or unreadable. */
    static Duration parse(String value, Instant now) {
        if (value == null || value.isBlank()) {
            return null;
        }
        String trimmed = value.trim();
        Duration seconds = decimal(trimmed, 1000);
        if (seconds != null) {
            return seconds;
        }
        try {
            Instant at = ZonedDateTime.parse(trimmed, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant();
            Duration delay = Duration.between(now, at);
            return delay.isNegative() ? Duration.ZERO : min(delay);
        } catch (DateTimeParseException notADate) {
            return null;
        }
    }

    static Duration milliseconds(String value) {
        return value == null || value.isBlank() ? null : decimal(value.trim(), 1);
    }

    /** A non-negative decimal number of units of {@code millisPerUnit}; null when it is not one. */
    private static Duration decimal(String text, long millisPerUnit) {
        if (!text.matches("\\d{1,12}(\\.\\d{1,9})?")) {
            return null;
        }
        BigDecimal millis = new BigDecimal(text).multiply(BigDecimal.valueOf(millisPerUnit));
        return min(Duration.ofMillis(millis.setScale(0, java.math.RoundingMode.CEILING).longValueExact()));
    }

    private static Duration min(Duration delay) {
        return delay.compareTo(CEILING) > 0 ? CEILING : delay;
    }
}
