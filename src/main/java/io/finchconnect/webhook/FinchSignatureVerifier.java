package io.finchconnect.webhook;

import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import io.finchconnect.common.error.ServiceException;

/**
 * Checks Finch's webhook signature as Finch's SDK does (docs/finch.md, "Webhooks"): HMAC-SHA256 with the
 * base64-decoded secret over {@code id.timestamp.body} of the raw body, any {@code v1} signature of the
 * header matching any configured secret (rotation), compared in constant time, within five minutes of now
 * either way.
 */
public final class FinchSignatureVerifier {

    static final Duration TOLERANCE = Duration.ofMinutes(5);

    private final List<byte[]> secrets;

    public FinchSignatureVerifier(List<String> base64Secrets) {
        this.secrets = base64Secrets.stream().map(String::trim).map(Base64.getDecoder()::decode).toList();
    }

    /** Returns Finch's timestamp of a verified delivery; throws {@link InvalidSignatureException} otherwise. */
    public Instant verify(String eventId, String timestamp, String signatureHeader, byte[] rawBody, Instant now) {
        if (isBlank(eventId) || isBlank(timestamp) || isBlank(signatureHeader)) {
            throw new InvalidSignatureException("Finch-Event-Id, Finch-Timestamp and Finch-Signature are required");
        }
        Instant sentAt = parseTimestamp(timestamp);
        if (sentAt.isBefore(now.minus(TOLERANCE)) || sentAt.isAfter(now.plus(TOLERANCE))) {
            throw new InvalidSignatureException("Finch-Timestamp is outside the five-minute window");
        }
        byte[] content = concat((eventId + "." + timestamp + ".").getBytes(StandardCharsets.UTF_8), rawBody);
        for (byte[] secret : secrets) {
            byte[] expected = hmac(secret, content);
            for (String candidate : signatureHeader.trim().split("\\s+")) {
                int comma = candidate.indexOf(',');
                if (comma > 0 && candidate.substring(0, comma).equals("v1")
                        && MessageDigest.isEqual(expected, decode(candidate.substring(comma + 1)))) {
                    return sentAt;
                }
            }
        }
        throw new InvalidSignatureException("No Finch-Signature matches");
    }

    private static Instant parseTimestamp(String timestamp) {
        try {
            return Instant.ofEpochSecond(Long.parseLong(timestamp.trim()));
        } catch (NumberFormatException | DateTimeException e) {
            throw new InvalidSignatureException("Finch-Timestamp must be unix seconds");
        }
    }

    private static byte[] decode(String signature) {
        try {
            return Base64.getDecoder().decode(signature);
        } catch (IllegalArgumentException e) {
            return new byte[0];
        }
    }

    private static byte[] hmac(byte[] secret, byte[] content) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret, "HmacSHA256"));
            return mac.doFinal(content);
        } catch (NoSuchAlgorithmException | InvalidKeyException e) {
            throw new IllegalStateException("HMAC-SHA256 unavailable", e);
        }
    }

    private static byte[] concat(byte[] prefix, byte[] body) {
        byte[] content = new byte[prefix.length + body.length];
        System.arraycopy(prefix, 0, content, 0, prefix.length);
        System.arraycopy(body, 0, content, prefix.length, body.length);
        return content;
    }

    private static boolean isBlank(String value) {
        return value == null || value.isBlank();
    }

    /** A delivery that is not Finch's: refused, nothing stored. */
    public static class InvalidSignatureException extends ServiceException {
        public InvalidSignatureException(String message) {
            super("invalid-signature", message);
        }
    }
}
