package io.finchconnect.connection.vault;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Objects;

import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.SecretKey;
import javax.crypto.spec.GCMParameterSpec;

import jakarta.inject.Inject;
import jakarta.inject.Singleton;

import io.quarkus.runtime.Startup;

/**
 * Encrypts access tokens at rest with AES-256-GCM under the active key and decrypts them under whichever
 * configured key sealed them, so keys rotate without re-encrypting everything at once. Each ciphertext is bound to
 * its connection (see {@link TokenFormat}).
 */
@Startup
@Singleton
public class TokenVault {

    private static final String TRANSFORMATION = "AES/GCM/NoPadding";
    private static final int IV_BYTES = 12;
    private static final int TAG_BITS = 128;
    private static final byte[] CONNECTION_BOUND_LABEL = "finch-connect-token/2\0".getBytes(StandardCharsets.US_ASCII);

    private final TokenVaultKeys keys;
    private final SecureRandom random = new SecureRandom();

    @Inject
    TokenVault(TokenVaultConfig config) {
        this(TokenVaultKeys.parse(config.keys(), config.activeKeyId()));
    }

    public TokenVault(TokenVaultKeys keys) {
        this.keys = Objects.requireNonNull(keys, "keys");
    }

    /** Seals {@code token} under the active key, bound to {@code connectionId}: it decrypts only in that row. */
    public EncryptedToken encrypt(String connectionId, String token) {
        Objects.requireNonNull(connectionId, "connectionId");
        Objects.requireNonNull(token, "token");
        String keyId = keys.activeKeyId();
        byte[] iv = new byte[IV_BYTES];
        random.nextBytes(iv);
        try {
            byte[] sealed = cipher(Cipher.ENCRYPT_MODE, keys.keys().get(keyId), associatedData(TokenFormat.CONNECTION_BOUND, keyId, connectionId), iv)
                    .doFinal(token.getBytes(StandardCharsets.UTF_8));
            return new EncryptedToken(keyId, ByteBuffer.allocate(IV_BYTES + sealed.length).put(iv).put(sealed).array(),
                    TokenFormat.CONNECTION_BOUND);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM encryption failed: " + e.getClass().getSimpleName());
        }
    }

    /** The token of connection {@code connectionId}; a ciphertext sealed for another connection fails authentication. */
    public String decrypt(String connectionId, EncryptedToken encrypted) {
        Objects.requireNonNull(connectionId, "connectionId");
        Objects.requireNonNull(encrypted, "encrypted");
        SecretKey key = keys.keys().get(encrypted.keyId());
        if (key == null) {
            throw new TokenVaultException("Token vault key '" + encrypted.keyId() + "' is not configured");
        }
        byte[] stored = encrypted.ciphertext();
        if (stored.length < IV_BYTES + TAG_BITS / 8) {
            throw new TokenVaultException("Encrypted token under key '" + encrypted.keyId() + "' is truncated");
        }
        try {
            byte[] aad = associatedData(encrypted.format(), encrypted.keyId(), connectionId);
            byte[] plain = cipher(Cipher.DECRYPT_MODE, key, aad, Arrays.copyOf(stored, IV_BYTES))
                    .doFinal(stored, IV_BYTES, stored.length - IV_BYTES);
            return new String(plain, StandardCharsets.UTF_8);
        } catch (AEADBadTagException e) {
            throw new TokenVaultException("Encrypted token under key '" + encrypted.keyId()
                    + "' failed authentication: altered, sealed under another key id, or copied from another connection");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM decryption failed: " + e.getClass().getSimpleName());
        }
    }

    public String activeKeyId() {
        return keys.activeKeyId();
    }

    /** Whether re-encryption would change this token: sealed under a key other than the active one, or not bound to its connection. */
    public boolean isCurrent(EncryptedToken encrypted) {
        return encrypted.keyId().equals(keys.activeKeyId()) && encrypted.format() == TokenFormat.CONNECTION_BOUND;
    }

    /**
     * The key id is associated data, so a ciphertext relabelled with another key id fails authentication; the
     * connection id too (since V11), so a ciphertext copied to another row does. The key id is length-prefixed so
     * no other (key id, connection id) pair yields the same bytes.
     */
    private static byte[] associatedData(TokenFormat format, String keyId, String connectionId) {
        byte[] key = keyId.getBytes(StandardCharsets.UTF_8);
        if (format == TokenFormat.KEY_ID_BOUND) {
            return key;
        }
        byte[] connection = connectionId.getBytes(StandardCharsets.UTF_8);
        return ByteBuffer.allocate(CONNECTION_BOUND_LABEL.length + 4 + key.length + connection.length)
                .put(CONNECTION_BOUND_LABEL).putInt(key.length).put(key).put(connection).array();
    }

    private static Cipher cipher(int mode, SecretKey key, byte[] associatedData, byte[] iv) throws GeneralSecurityException {
        Cipher cipher = Cipher.getInstance(TRANSFORMATION);
        cipher.init(mode, key, new GCMParameterSpec(TAG_BITS, iv));
        cipher.updateAAD(associatedData);
        return cipher;
    }
}
