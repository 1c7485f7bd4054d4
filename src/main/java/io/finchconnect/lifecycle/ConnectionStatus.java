package io.finchconnect.lifecycle;

import java.util.Arrays;
import java.util.Optional;

/**
 * A connection's status, with Finch's own names (docs/finch.md: {@code ConnectionStatusType} plus
 * {@code disconnected}).
 */
public enum ConnectionStatus {
    PENDING("pending"),
    PROCESSING("processing"),
    CONNECTED("connected"),
    REAUTH("reauth"),
    DISCONNECTED("disconnected"),
    ERROR_NO_ACCOUNT_SETUP("error_no_account_setup"),
    ERROR_PERMISSIONS("error_permissions");

    private final String finchName;

    ConnectionStatus(String finchName) {
        this.finchName = finchName;
    }

    public String finchName() {
        return finchName;
    }

    /** {@code reauth}, {@code error_permissions}, {@code error_no_account_setup}: only the employer, back in Connect, fixes it. */
    public boolean needsEmployer() {
        return this == REAUTH || this == ERROR_PERMISSIONS || this == ERROR_NO_ACCOUNT_SETUP;
    }

    public static Optional<ConnectionStatus> fromFinch(String name) {
        return Arrays.stream(values()).filter(status -> status.finchName.equals(name)).findFirst();
    }
}
