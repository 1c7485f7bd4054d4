package io.finchconnect.finch.client;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;

/**
 * Finch's answer to {@code POST /disconnect}.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record DisconnectResult(String status) {
}
