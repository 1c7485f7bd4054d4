package io.finchconnect.session.rest;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * The body of {@code POST /v1/connect/sessions}, as received; {@link SessionRequestValidator} checks it.
 * {@code products} is a JSON array or a space-separated string, as Finch's guide writes it.
 */
public record SessionRequest(String customerId, String customerName, String customerEmail, JsonNode products,
                             String redirectUri, Integration integration, String sandbox, Boolean manual,
                             JsonNode minutesToExpire, String state, JsonNode recordkeeping) {

    public record Integration(String provider, String authMethod) {
    }
}
