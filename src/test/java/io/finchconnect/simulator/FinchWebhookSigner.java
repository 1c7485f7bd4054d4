package io.finchconnect.simulator;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.Base64;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Signs webhook deliveries as Finch does: {@code v1,} followed by the base64 HMAC-SHA256, keyed with the
 * base64-decoded secret, of {@code <event id>.<timestamp>.<raw body>}.
 */
public final class FinchWebhookSigner {

    private FinchWebhookSigner() {
    }

    public static String sign(String secretBase64, String eventId, long timestampSeconds, String rawBody) {
        byte[] key = decodeSecret(secretBase64);
        String content = eventId + "." + timestampSeconds + "." + rawBody;
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            byte[] digest = mac.doFinal(content.getBytes(StandardCharsets.UTF_8));
            return "v1," + Base64.getEncoder().encodeToString(digest);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is not available", e);
        }
    }

    /** Decodes the secret and, like Finch's SDK, rejects one that does not round-trip. */
    static byte[] decodeSecret(String secretBase64) {
        if (secretBase64 == null || secretBase64.isEmpty()) {
            throw new IllegalArgumentException("Webhook secret is empty");
        }
        byte[] key;
        try {
            key = Base64.getDecoder().decode(secretBase64);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("Webhook secret is not valid base64");
        }
        if (!Base64.getEncoder().encodeToString(key).equals(secretBase64)) {
            throw new IllegalArgumentException("Webhook secret is not canonical base64");
        }
        return key;
    }
}
