package io.finchconnect.reauth;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;

import io.finchconnect.lifecycle.Lifecycle;
import io.finchconnect.reauth.config.ReauthConfig;

/** The lifecycle with this deployment's settings. */
@ApplicationScoped
class LifecycleSettings {

    @Produces
    @ApplicationScoped
    Lifecycle lifecycle(ReauthConfig config) {
        return new Lifecycle(config.disconnectConfirmationDelay());
    }
}
