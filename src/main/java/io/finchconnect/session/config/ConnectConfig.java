package io.finchconnect.session.config;

import java.net.URI;
import java.util.Optional;

import io.smallrye.config.ConfigMapping;

/**
 * The redirect flow: the key that signs our {@code state}, and where the callback sends the employer's
 * browser afterwards.
 */
@ConfigMapping(prefix = "connect")
public interface ConnectConfig {

    /** Base64, at least 256 bits. Rotating it invalidates links handed out before. */
    String stateKey();

    /** Where the callback redirects (303) with the outcome; without it the callback answers a small page. */
    Optional<URI> returnUrl();
}
