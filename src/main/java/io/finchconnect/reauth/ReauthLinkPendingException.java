package io.finchconnect.reauth;

import java.time.Duration;
import java.util.Optional;

import io.finchconnect.common.error.ServiceException;

/** Finch has not made the episode's session yet; the sweeper keeps trying, so asking again shortly helps. */
public class ReauthLinkPendingException extends ServiceException {

    ReauthLinkPendingException() {
        super("reauth-link-pending", "Finch has not created the reauthentication session yet; the service keeps trying");
    }

    @Override
    public Optional<Duration> retryAfter() {
        return Optional.of(Duration.ofSeconds(5));
    }
}
