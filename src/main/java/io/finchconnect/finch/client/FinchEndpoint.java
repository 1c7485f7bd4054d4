package io.finchconnect.finch.client;

/**
 * The Finch endpoints this service calls, named as in metrics and the simulator's request counts.
 */
public enum FinchEndpoint {
    CONNECT_SESSIONS("connect.sessions"),
    REAUTHENTICATE("connect.sessions.reauthenticate"),
    AUTH_TOKEN("auth.token"),
    INTROSPECT("introspect"),
    DISCONNECT("disconnect"),
    DISCONNECT_ENTITY("disconnect.entity");

    private final String key;

    FinchEndpoint(String key) {
        this.key = key;
    }

    public String key() {
        return key;
    }
}
