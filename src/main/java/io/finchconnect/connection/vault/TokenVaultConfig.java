package io.finchconnect.connection.vault;

import java.time.Duration;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/**
 * Keys of the token vault: {@code keys} holds "key-id:base64-256-bit-key" pairs, comma-separated; the
 * active one encrypts, all of them decrypt, so keys rotate without re-encrypting at once.
 */
@ConfigMapping(prefix = "token-vault")
public interface TokenVaultConfig {

    String keys();

    String activeKeyId();

    /** How often the tokens still kept for disconnected connections (from before tokens died with them) are deleted. */
    @WithDefault("1h")
    Duration disconnectedPurgeInterval();
}
