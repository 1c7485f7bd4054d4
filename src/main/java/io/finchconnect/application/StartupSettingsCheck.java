package io.finchconnect.application;

import java.util.Base64;

import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import io.finchconnect.common.config.RequiredEnvironment;
import io.finchconnect.connection.vault.TokenVaultConfig;
import io.finchconnect.connection.vault.TokenVaultKeys;
import io.finchconnect.finch.config.FinchConfig;
import io.finchconnect.state.config.ConnectConfig;
import io.quarkus.runtime.StartupEvent;

/**
 * Refuses to start with settings that are present but unusable (a webhook secret that is not base64, a vault
 * key of the wrong size), so a bad deployment fails at once instead of at the first webhook or token.
 * Missing settings are refused earlier, by the configuration itself.
 */
@ApplicationScoped
public class StartupSettingsCheck {

    void check(@Observes @Priority(1) StartupEvent event, RequiredEnvironment required, FinchConfig finch,
               TokenVaultConfig vault, ConnectConfig connect) {
        // Injecting RequiredEnvironment is what makes Quarkus validate it at start-up.
        for (String secret : finch.webhookSecrets()) {
            if (!isCanonicalBase64(secret.trim())) {
                throw new IllegalStateException("FINCH_WEBHOOK_SECRET: every secret must be base64 (as Finch gives it)");
            }
        }
        TokenVaultKeys.parse(vault.keys(), vault.activeKeyId());
        if (!isCanonicalBase64(connect.stateKey().trim()) || Base64.getDecoder().decode(connect.stateKey().trim()).length < 32) {
            throw new IllegalStateException("CONNECT_STATE_KEY: must be base64 of at least 32 random bytes");
        }
    }

    /** Finch's SDK rejects a secret that does not round-trip through base64; so do we. */
    static boolean isCanonicalBase64(String value) {
        try {
            byte[] bytes = Base64.getDecoder().decode(value);
            return bytes.length > 0 && Base64.getEncoder().encodeToString(bytes).equals(value);
        } catch (IllegalArgumentException e) {
            return false;
        }
    }
}
