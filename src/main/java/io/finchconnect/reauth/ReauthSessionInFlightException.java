package io.finchconnect.reauth;

import java.time.Duration;
import java.util.Optional;

import io.finchconnect.common.error.ServiceException;

/**
 * A creation of a reauthentication session for the connection is in flight, or an earlier one's outcome is
 * unclear: Finch is not asked again meanwhile, since every call makes a new session.
 */
public class ReauthSessionInFlightException extends ServiceException {

    ReauthSessionInFlightException(String connectionId) {
        super("reauth-session-in-flight", "A reauthentication session for connection " + connectionId + " is being created, "
                + "or an earlier attempt's outcome is unclear; ask again later");
    }

    @Override
    public Optional<Duration> retryAfter() {
        return Optional.of(Duration.ofSeconds(5));
    }
}
