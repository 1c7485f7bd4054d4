package io.finchconnect.link;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.UUID;
import java.util.regex.Pattern;

import jakarta.enterprise.context.ApplicationScoped;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import io.finchconnect.finch.config.FinchConfig;
import io.finchconnect.link.config.ConnectLinkConfig;
import io.finchconnect.state.config.ConnectConfig;

/**
 * The tokens of durable links: 256 bits, base64url. A link created through the API gets a random one; the links a
 * service hands out again and again (an episode's, the connect-link's) get one derived from their id with a key of
 * the state key, so the same URL can be given again while only its hash is stored.
 */
@ApplicationScoped
public class LinkTokens {

    private static final Base64.Encoder ENCODER = Base64.getUrlEncoder().withoutPadding();
    private static final Pattern WELL_FORMED = Pattern.compile("[A-Za-z0-9_-]{43}");

    private final SecureRandom random = new SecureRandom();
    private final byte[] derivingKey;
    private final String base;

    LinkTokens(ConnectConfig connect, ConnectLinkConfig config, FinchConfig finch) {
        this.derivingKey = hmac(Base64.getDecoder().decode(connect.stateKey().trim()), "finch-connect-link/derived");
        URI origin = config.baseUrl().orElseGet(() -> URI.create(finch.redirectUris().get(0)).resolve("/"));
        String text = origin.toString();
        this.base = text.endsWith("/") ? text.substring(0, text.length() - 1) : text;
    }

    public String random() {
        byte[] token = new byte[32];
        random.nextBytes(token);
        return ENCODER.encodeToString(token);
    }

    public String derived(UUID linkId) {
        return ENCODER.encodeToString(hmac(derivingKey, linkId.toString()));
    }

    public String url(String token) {
        return base + "/connect/" + token;
    }

    /** Whether {@code token} can be one of ours at all: anything else is answered without a database look-up. */
    public static boolean wellFormed(String token) {
        return token != null && WELL_FORMED.matcher(token).matches();
    }

    public static byte[] hash(String token) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.US_ASCII));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("SHA-256 unavailable", e);
        }
    }

    private static byte[] hmac(byte[] key, String message) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return mac.doFinal(message.getBytes(StandardCharsets.US_ASCII));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 unavailable", e);
        }
    }
}
