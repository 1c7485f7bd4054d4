package io.finchconnect.finch.config;

import java.net.URI;
import java.util.List;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/**
 * How this service talks to Finch and what it accepts from Finch. Secrets here never reach logs.
 */
@ConfigMapping(prefix = "finch")
public interface FinchConfig {

    /** Finch's API, e.g. https://api.tryfinch.com, or the simulator. */
    URI baseUrl();

    String clientId();

    String clientSecret();

    /** Base64 webhook signing secrets; several during a rotation, any one may match. */
    List<String> webhookSecrets();

    /** Redirect URIs callers may ask for; Finch must know the same ones. */
    List<String> redirectUris();

    @WithDefault("2020-09-17")
    String apiVersion();
}
