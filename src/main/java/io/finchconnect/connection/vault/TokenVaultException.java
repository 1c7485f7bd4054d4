package io.finchconnect.connection.vault;

/**
 * A token could not be decrypted: its key is not configured, or the ciphertext was altered. The message names
 * the key id at most, never key material or token bytes.
 */
public class TokenVaultException extends RuntimeException {

    TokenVaultException(String message) {
        super(message, null, false, false);
    }
}
