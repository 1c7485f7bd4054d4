package io.finchconnect.session.state;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.Base64;
import java.util.UUID;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * The {@code state} this service appends to a redirect-flow {@code connect_url}: which customer and session
 * it was issued for, the caller's own state, until when it is valid, and a single-use id, signed with
 * HMAC-SHA256 so the callback can trust what comes back.
 */
public final class ConnectState {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Base64.Encoder ENCODER = Base64.getUrlEncoder().withoutPadding();
    private static final Base64.Decoder DECODER = Base64.getUrlDecoder();

    private final byte[] key;

    public ConnectState(byte[] key) {
        if (key.length < 32) {
            throw new IllegalArgumentException("The connect state key must be at least 256 bits");
        }
        this.key = key.clone();
    }

    public record Claims(@JsonProperty("id") String stateId, @JsonProperty("c") String customerId,
                         @JsonProperty("s") String sessionId, @JsonProperty("u") String callerState,
                         @JsonProperty("e") long expiresAt) {

        public static Claims issue(String customerId, String sessionId, String callerState, Instant expiresAt) {
            return new Claims(UUID.randomUUID().toString(), customerId, sessionId, callerState, expiresAt.getEpochSecond());
        }

        public Instant expiry() {
            return Instant.ofEpochSecond(expiresAt);
        }
    }

    public String sign(Claims claims) {
        try {
            String payload = ENCODER.encodeToString(JSON.writeValueAsBytes(claims));
            return payload + "." + ENCODER.encodeToString(mac(payload));
        } catch (Exception e) {
            throw new IllegalStateException("Could not sign the connect state", e);
        }
    }

    /** The claims of an authentic, unexpired state; {@link InvalidStateException} otherwise. */
    public Claims verify(String state, Instant now) {
        if (state == null || state.length() > 4096) {
            throw new InvalidStateException("invalid_state", "The state is missing or not ours");
        }
        int dot = state.indexOf('.');
        if (dot <= 0 || dot == state.length() - 1) {
            throw new InvalidStateException("invalid_state", "The state is not ours");
        }
        String payload = state.substring(0, dot);
        byte[] signature;
        Claims claims;
        try {
            signature = DECODER.decode(state.substring(dot + 1));
            if (!MessageDigest.isEqual(mac(payload), signature)) {
                throw new InvalidStateException("invalid_state", "The state's signature does not match");
            }
            claims = JSON.readValue(DECODER.decode(payload), Claims.class);
        } catch (InvalidStateException e) {
            throw e;
        } catch (Exception e) {
            throw new InvalidStateException("invalid_state", "The state is not ours");
        }
        if (now.isAfter(claims.expiry())) {
            throw new InvalidStateException("expired_state", "The link has expired; ask for a new one");
        }
        return claims;
    }

    private byte[] mac(String payload) throws GeneralSecurityException {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(key, "HmacSHA256"));
        return mac.doFinal(payload.getBytes(StandardCharsets.US_ASCII));
    }

    /** A state that is forged, expired or used before; {@code reason} is what the callback reports. */
    public static class InvalidStateException extends RuntimeException {
        private final String reason;

        public InvalidStateException(String reason, String message) {
            super(message, null, false, false);
            this.reason = reason;
        }

        public String reason() {
            return reason;
        }
    }
}
