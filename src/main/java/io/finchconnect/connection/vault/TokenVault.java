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
 * configured key sealed them, so keys rotate without re-encrypting everything at once.
 */
@Startup
@Singleton
public class TokenVault {

    private static final String TRANSFORMATION = "AES/GCM/NoPadding";
    private static final int IV_BYTES = 12;
    private static final int TAG_BITS = 128;

    private final TokenVaultKeys keys;
    private final SecureRandom random = new SecureRandom();

    @Inject
    TokenVault(TokenVaultConfig config) {
        this(TokenVaultKeys.parse(config.keys(), config.activeKeyId()));
    }

    public TokenVault(TokenVaultKeys keys) {
        this.keys = Objects.requireNonNull(keys, "keys");
    }

    public EncryptedToken encrypt(String token) {
        Objects.requireNonNull(token, "token");
        String keyId = keys.activeKeyId();
        byte[] iv = new byte[IV_BYTES];
        random.nextBytes(iv);
        try {
            byte[] sealed = cipher(Cipher.ENCRYPT_MODE, keys.keys().get(keyId), keyId, iv)
                    .doFinal(token.getBytes(StandardCharsets.UTF_8));
            return new EncryptedToken(keyId, ByteBuffer.allocate(IV_BYTES + sealed.length).put(iv).put(sealed).array());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM encryption failed: " + e.getClass().getSimpleName());
        }
    }

    public String decrypt(EncryptedToken encrypted) {
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
            byte[] plain = cipher(Cipher.DECRYPT_MODE, key, encrypted.keyId(), Arrays.copyOf(stored, IV_BYTES))
                    .doFinal(stored, IV_BYTES, stored.length - IV_BYTES);
            return new String(plain, StandardCharsets.UTF_8);
        } catch (AEADBadTagException e) {
            throw new TokenVaultException("Encrypted token under key '" + encrypted.keyId()
                    + "' failed authentication: altered, or sealed under another key id");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM decryption failed: " + e.getClass().getSimpleName());
        }
    }

    /** The key id is associated data, so a ciphertext relabelled with another key id fails authentication. */
    private static Cipher cipher(int mode, SecretKey key, String keyId, byte[] iv) throws GeneralSecurityException {
        Cipher cipher = Cipher.getInstance(TRANSFORMATION);
        cipher.init(mode, key, new GCMParameterSpec(TAG_BITS, iv));
        cipher.updateAAD(keyId.getBytes(StandardCharsets.UTF_8));
        return cipher;
    }
}
