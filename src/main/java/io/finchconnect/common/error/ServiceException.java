package io.finchconnect.common.error;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;

/**
 * A failure a feature reports to its caller, in the service's own terms: a stable {@code code} (such as
 * {@code connection-exists}), a message for people, and the facts a caller acts on. It knows nothing of HTTP;
 * the API's one mapping place decides the answer's status and headers.
 */
public abstract class ServiceException extends RuntimeException {

    private final String code;

    protected ServiceException(String code, String message) {
        super(message, null, false, false);
        this.code = code;
    }

    /** What went wrong, for machines: the same for every failure of this kind. */
    public String code() {
        return code;
    }

    /** The facts that go with it (the field at fault, the connection concerned), by name. */
    public Map<String, Object> details() {
        return Map.of();
    }

    /** When asking again may succeed, if known. */
    public Optional<Duration> retryAfter() {
        return Optional.empty();
    }
}
