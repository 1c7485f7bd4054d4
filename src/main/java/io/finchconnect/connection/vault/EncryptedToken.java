package io.finchconnect.connection.vault;

import java.util.Arrays;
import java.util.Objects;

/**
 * A token as stored: the id of the key that sealed it and {@code IV || AES-GCM ciphertext || tag}.
 */
public record EncryptedToken(String keyId, byte[] ciphertext) {

    public EncryptedToken {
        Objects.requireNonNull(keyId, "keyId");
        Objects.requireNonNull(ciphertext, "ciphertext");
        ciphertext = ciphertext.clone();
    }

    @Override
    public byte[] ciphertext() {
        return ciphertext.clone();
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof EncryptedToken that && keyId.equals(that.keyId) && Arrays.equals(ciphertext, that.ciphertext);
    }

    @Override
    public int hashCode() {
        return 31 * keyId.hashCode() + Arrays.hashCode(ciphertext);
    }

    @Override
    public String toString() {
        return "EncryptedToken[keyId=" + keyId + ", " + ciphertext.length + " bytes]";
    }
}
