package io.finchconnect.state;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.Arrays;
import java.util.Base64;
import java.util.UUID;

import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.Mac;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * The {@code state} this service appends to a redirect-flow {@code connect_url}: which customer and session
 * it was issued for, the caller's own state, until when it is valid, and a single-use id, sealed with AES-256-GCM
 * so the callback can trust what comes back and the employer's browser (and whatever it leaks URLs to) reads
 * nothing of it. The AES key is derived from the configured state key, which thus serves one algorithm only.
 */
public final class ConnectState {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Base64.Encoder ENCODER = Base64.getUrlEncoder().withoutPadding();
    private static final Base64.Decoder DECODER = Base64.getUrlDecoder();
    private static final String TRANSFORMATION = "AES/GCM/NoPadding";
    private static final int IV_BYTES = 12;
    private static final int TAG_BITS = 128;
    private static final byte[] ASSOCIATED_DATA = "finch-connect-state/2".getBytes(StandardCharsets.US_ASCII);
    private static final int MAX_LENGTH = 4096;

    private final byte[] key;
    private final SecretKeySpec sealingKey;
    private final SecureRandom random = new SecureRandom();

    public ConnectState(byte[] key) {
        if (key.length < 32) {
            throw new IllegalArgumentException("The connect state key must be at least 256 bits");
        }
        this.key = key.clone();
        this.sealingKey = new SecretKeySpec(derive(key, "finch-connect-state/aes-256-gcm"), "AES");
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

    /** {@code base64url(IV || AES-GCM(claims as JSON) || tag)}: authenticated and unreadable without the key. */
    public String seal(Claims claims) {
        try {
            byte[] iv = new byte[IV_BYTES];
            random.nextBytes(iv);
            byte[] sealed = cipher(Cipher.ENCRYPT_MODE, iv).doFinal(JSON.writeValueAsBytes(claims));
            return ENCODER.encodeToString(ByteBuffer.allocate(IV_BYTES + sealed.length).put(iv).put(sealed).array());
        } catch (Exception e) {
            throw new IllegalStateException("Could not seal the connect state: " + e.getClass().getSimpleName());
        }
    }

    /** The claims of an authentic, unexpired state; {@link InvalidStateException} otherwise. */
    public Claims verify(String state, Instant now) {
        if (state == null || state.isEmpty() || state.length() > MAX_LENGTH) {
            throw new InvalidStateException("invalid_state", "The state is missing or not ours");
        }
        Claims claims = state.indexOf('.') >= 0 ? signedBeforeEncryption(state) : unsealed(state);
        if (now.isAfter(claims.expiry())) {
            throw new InvalidStateException("expired_state", "The link has expired; ask for a new one");
        }
        return claims;
    }

    private Claims unsealed(String state) {
        byte[] plain;
        try {
            byte[] sealed = DECODER.decode(state);
            if (sealed.length < IV_BYTES + TAG_BITS / 8) {
                throw new InvalidStateException("invalid_state", "The state is not ours");
            }
            plain = cipher(Cipher.DECRYPT_MODE, Arrays.copyOf(sealed, IV_BYTES)).doFinal(sealed, IV_BYTES, sealed.length - IV_BYTES);
        } catch (InvalidStateException e) {
            throw e;
        } catch (AEADBadTagException e) {
            throw new InvalidStateException("invalid_state", "The state's authentication tag does not match");
        } catch (Exception e) {
            throw new InvalidStateException("invalid_state", "The state is not ours");
        }
        return claims(plain);
    }

    /**
     * States issued before they were encrypted ({@code payload.hmac}) are still honoured, so links handed out
     * before the upgrade keep working until they expire; none is issued any more.
     */
    private Claims signedBeforeEncryption(String state) {
        int dot = state.indexOf('.');
        if (dot <= 0 || dot == state.length() - 1) {
            throw new InvalidStateException("invalid_state", "The state is not ours");
        }
        String payload = state.substring(0, dot);
        try {
            byte[] signature = DECODER.decode(state.substring(dot + 1));
            if (!MessageDigest.isEqual(mac(payload), signature)) {
                throw new InvalidStateException("invalid_state", "The state's signature does not match");
            }
            return claims(DECODER.decode(payload));
        } catch (InvalidStateException e) {
            throw e;
        } catch (Exception e) {
            throw new InvalidStateException("invalid_state", "The state is not ours");
        }
    }

    private static Claims claims(byte[] json) {
        try {
            return JSON.readValue(json, Claims.class);
        } catch (Exception e) {
            throw new InvalidStateException("invalid_state", "The state is not ours");
        }
    }

    private Cipher cipher(int mode, byte[] iv) throws GeneralSecurityException {
        Cipher cipher = Cipher.getInstance(TRANSFORMATION);
        cipher.init(mode, sealingKey, new GCMParameterSpec(TAG_BITS, iv));
        cipher.updateAAD(ASSOCIATED_DATA);
        return cipher;
    }

    private byte[] mac(String payload) throws GeneralSecurityException {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(key, "HmacSHA256"));
        return mac.doFinal(payload.getBytes(StandardCharsets.US_ASCII));
    }

    private static byte[] derive(byte[] key, String purpose) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return mac.doFinal(purpose.getBytes(StandardCharsets.US_ASCII));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 unavailable", e);
        }
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
