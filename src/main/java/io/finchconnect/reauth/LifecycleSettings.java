package io.finchconnect.reauth;

import java.time.Duration;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;

import org.eclipse.microprofile.config.inject.ConfigProperty;

import io.finchconnect.lifecycle.Lifecycle;
import io.finchconnect.reauth.config.ReauthConfig;

/** The lifecycle with this deployment's settings. */
@ApplicationScoped
class LifecycleSettings {

    @Produces
    @ApplicationScoped
    Lifecycle lifecycle(ReauthConfig config, @ConfigProperty(name = "connection.stale-after") Duration staleAfter) {
        return new Lifecycle(config.disconnectConfirmationDelay(), staleAfter);
    }
}
