package io.finchconnect.session.rest;

import java.util.List;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;

import io.finchconnect.common.error.InvalidRequestException;
import io.finchconnect.common.validation.FinchProducts;
import io.finchconnect.common.validation.RequestChecks;
import io.finchconnect.session.StagedSessionRequest;

/**
 * Validates a session request at the edge with Finch's rules (docs/finch.md), naming the field at fault.
 */
public final class SessionRequestValidator {

    private static final Set<String> AUTH_METHODS = Set.of("assisted", "credential", "oauth", "api_token");
    private static final Set<String> SANDBOXES = Set.of("finch", "provider");
    private static final Set<String> RECORDKEEPERS = Set.of("voya", "empower", "fidelity", "transamerica");

    private SessionRequestValidator() {
    }

    public static StagedSessionRequest validate(SessionRequest request, List<String> allowedRedirectUris, int defaultMinutes) {
        if (request == null) {
            throw new InvalidRequestException("body", "A JSON body is required");
        }
        String customerId = RequestChecks.id("customer_id", request.customerId());
        String customerName = RequestChecks.required("customer_name", request.customerName(), RequestChecks.MAX_ID);
        String customerEmail = RequestChecks.optional("customer_email", request.customerEmail(), 320);
        List<String> products = FinchProducts.of(request.products());
        String redirectUri = RequestChecks.redirectUri(request.redirectUri(), allowedRedirectUris);
        String provider = null;
        String authMethod = null;
        if (request.integration() != null) {
            provider = RequestChecks.required("integration.provider", request.integration().provider(), RequestChecks.MAX_ID);
            authMethod = request.integration().authMethod();
            if (authMethod != null && !AUTH_METHODS.contains(authMethod)) {
                throw new InvalidRequestException("integration.auth_method", "auth_method must be one of " + AUTH_METHODS);
            }
        }
        if (request.sandbox() != null && !SANDBOXES.contains(request.sandbox())) {
            throw new InvalidRequestException("sandbox", "sandbox must be finch or provider");
        }
        int minutes = RequestChecks.minutesToExpire(request.minutesToExpire(), defaultMinutes);
        StagedSessionRequest.Recordkeeping recordkeeping = recordkeepingOf(request.recordkeeping(), products);
        String state = RequestChecks.optional("state", request.state(), 1024);
        return new StagedSessionRequest(customerId, customerName, customerEmail, products, redirectUri, provider, authMethod,
                request.sandbox(), request.manual(), minutes, state, recordkeeping);
    }

    /** Finch's rule (SDK 10.8): {@code {recordkeeper, plan_id?}}, and only with the recordkeeping product. */
    static StagedSessionRequest.Recordkeeping recordkeepingOf(JsonNode node, List<String> products) {
        if (node == null || node.isNull()) {
            return null;
        }
        if (!node.isObject()) {
            throw new InvalidRequestException("recordkeeping", "recordkeeping must be an object");
        }
        if (!products.contains("recordkeeping")) {
            throw new InvalidRequestException("recordkeeping", "recordkeeping needs the recordkeeping product");
        }
        var fields = node.fieldNames();
        while (fields.hasNext()) {
            String field = fields.next();
            if (!field.equals("recordkeeper") && !field.equals("plan_id")) {
                throw new InvalidRequestException("recordkeeping." + truncate(field), "recordkeeping has no such field");
            }
        }
        JsonNode recordkeeper = node.get("recordkeeper");
        if (recordkeeper == null || !recordkeeper.isTextual() || !RECORDKEEPERS.contains(recordkeeper.asText())) {
            throw new InvalidRequestException("recordkeeping.recordkeeper", "recordkeeper must be one of " + RECORDKEEPERS);
        }
        JsonNode planId = node.get("plan_id");
        if (planId != null && !planId.isNull() && !planId.isTextual()) {
            throw new InvalidRequestException("recordkeeping.plan_id", "plan_id must be a string");
        }
        String plan = planId == null || planId.isNull() ? null
                : RequestChecks.required("recordkeeping.plan_id", planId.asText(), RequestChecks.MAX_ID);
        return new StagedSessionRequest.Recordkeeping(recordkeeper.asText(), plan);
    }

    private static String truncate(String value) {
        return value.length() > 40 ? value.substring(0, 40) + "..." : value;
    }
}
