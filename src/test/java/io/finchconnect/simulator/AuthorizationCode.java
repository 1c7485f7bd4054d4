package io.finchconnect.simulator;

import java.time.Instant;

/** A single-use code issued when a person authorizes, bound to the connection and the flow's redirect URI. */
record AuthorizationCode(String code, String connectionId, String redirectUri, Instant expiresAt) {
}
