package io.finchconnect.connection.vault;

import java.util.Arrays;
import java.util.Objects;

/**
 * A token as stored: the id of the key that sealed it, {@code IV || AES-GCM ciphertext || tag}, and what its
 * associated data covers.
 */
public record EncryptedToken(String keyId, byte[] ciphertext, TokenFormat format) {

    public EncryptedToken {
        Objects.requireNonNull(keyId, "keyId");
        Objects.requireNonNull(ciphertext, "ciphertext");
        Objects.requireNonNull(format, "format");
        ciphertext = ciphertext.clone();
    }

    /** A token as read from {@code connections}' columns {@code token_key_id, token_ciphertext, token_format}. */
    public static EncryptedToken stored(String keyId, byte[] ciphertext, int formatCode) {
        return new EncryptedToken(keyId, ciphertext, TokenFormat.fromCode(formatCode));
    }

    @Override
    public byte[] ciphertext() {
        return ciphertext.clone();
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof EncryptedToken that && keyId.equals(that.keyId) && format == that.format
                && Arrays.equals(ciphertext, that.ciphertext);
    }

    @Override
    public int hashCode() {
        return 31 * (31 * keyId.hashCode() + format.hashCode()) + Arrays.hashCode(ciphertext);
    }

    @Override
    public String toString() {
        return "EncryptedToken[keyId=" + keyId + ", " + format + ", " + ciphertext.length + " bytes]";
    }
}
