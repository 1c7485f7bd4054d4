package io.finchconnect.connection.vault;

/**
 * What a stored ciphertext's AES-GCM associated data covers, kept beside it in {@code connections.token_format}.
 * Tokens sealed before V11 are bound to their key id only; everything sealed since is bound to its connection
 * too, so a ciphertext copied into another connection's row fails authentication.
 */
public enum TokenFormat {

    /** Associated data = key id. Still read, never written; re-encryption turns these into {@link #CONNECTION_BOUND}. */
    KEY_ID_BOUND(1),
    /** Associated data = key id and connection id. */
    CONNECTION_BOUND(2);

    private final int code;

    TokenFormat(int code) {
        this.code = code;
    }

    public int code() {
        return code;
    }

    public static TokenFormat fromCode(int code) {
        for (TokenFormat format : values()) {
            if (format.code == code) {
                return format;
            }
        }
        throw new TokenVaultException("Unknown token format " + code);
    }
}
