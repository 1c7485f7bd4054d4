package io.finchconnect.connection.vault;

import io.smallrye.config.ConfigMapping;

/**
 * Keys of the token vault: {@code keys} holds "key-id:base64-256-bit-key" pairs, comma-separated; the
 * active one encrypts, all of them decrypt, so keys rotate without re-encrypting at once.
 */
@ConfigMapping(prefix = "token-vault")
public interface TokenVaultConfig {

    String keys();

    String activeKeyId();
}
