package io.finchconnect.common.error;

import java.util.Map;

/** The caller's request breaks a rule; {@code field} names the part at fault. */
public class InvalidRequestException extends ServiceException {

    private final String field;

    public InvalidRequestException(String field, String message) {
        super("invalid-request", message);
        this.field = field;
    }

    public String field() {
        return field;
    }

    @Override
    public Map<String, Object> details() {
        return Map.of("field", field);
    }
}
