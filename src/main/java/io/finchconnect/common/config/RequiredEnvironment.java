package io.finchconnect.common.config;

import io.smallrye.config.ConfigMapping;

/**
 * The environment variables a production instance cannot start without, in one place. In {@code %prod} each
 * is bound to {@code ${VARIABLE}} without default, so start-up fails listing every one that is missing by
 * its variable name; the settings themselves are read where they are used. Other profiles get their
 * settings from the local stack or the test resources and mark these as not required.
 */
@ConfigMapping(prefix = "required-environment")
public interface RequiredEnvironment {

    String quarkusDatasourceReactiveUrl();

    String quarkusDatasourceJdbcUrl();

    String quarkusDatasourceUsername();

    String quarkusDatasourcePassword();

    String kafkaBootstrapServers();

    String finchBaseUrl();

    String finchClientId();

    String finchClientSecret();

    String finchWebhookSecret();

    String finchRedirectUris();

    String mpJwtVerifyPublickeyLocation();

    String mpJwtVerifyIssuer();

    String mpJwtVerifyAudiences();

    String tokenVaultKeys();

    String tokenVaultActiveKeyId();

    String connectStateKey();
}
