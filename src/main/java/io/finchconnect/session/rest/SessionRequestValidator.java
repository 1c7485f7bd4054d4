package io.finchconnect.session.rest;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;

import io.finchconnect.common.problem.ProblemException;
import io.finchconnect.session.StagedSessionRequest;

/**
 * Validates a session request at the edge with Finch's rules (finch-api.md), naming the field at fault.
 */
public final class SessionRequestValidator {

    static final Set<String> PRODUCTS = Set.of("benefits", "company", "deduction", "directory", "documents",
            "employment", "individual", "payment", "pay_statement", "plans", "plans_dependents", "plans_enrollments",
            "recordkeeping", "ssn");
    private static final Set<String> AUTH_METHODS = Set.of("assisted", "credential", "oauth", "api_token");
    private static final Set<String> SANDBOXES = Set.of("finch", "provider");

    private SessionRequestValidator() {
    }

    public static StagedSessionRequest validate(SessionRequest request, List<String> allowedRedirectUris, int defaultMinutes) {
        if (request == null) {
            throw ProblemException.badRequest("body", "A JSON body is required");
        }
        String customerId = text("customer_id", request.customerId(), 255, true);
        String customerName = text("customer_name", request.customerName(), 255, true);
        String customerEmail = text("customer_email", request.customerEmail(), 320, false);
        List<String> products = productsOf(request.products());
        String redirectUri = request.redirectUri();
        if (redirectUri != null && !allowedRedirectUris.contains(redirectUri)) {
            throw ProblemException.badRequest("redirect_uri", "redirect_uri is not on the allow-list of this service");
        }
        String provider = null;
        String authMethod = null;
        if (request.integration() != null) {
            provider = text("integration.provider", request.integration().provider(), 255, true);
            authMethod = request.integration().authMethod();
            if (authMethod != null && !AUTH_METHODS.contains(authMethod)) {
                throw ProblemException.badRequest("integration.auth_method", "auth_method must be one of " + AUTH_METHODS);
            }
        }
        if (request.sandbox() != null && !SANDBOXES.contains(request.sandbox())) {
            throw ProblemException.badRequest("sandbox", "sandbox must be finch or provider");
        }
        int minutes = request.minutesToExpire() == null ? defaultMinutes : request.minutesToExpire();
        if (minutes < 1 || minutes > 525_600) {
            throw ProblemException.badRequest("minutes_to_expire", "minutes_to_expire must be between 1 and 525600");
        }
        String state = text("state", request.state(), 1024, false);
        return new StagedSessionRequest(customerId, customerName, customerEmail, products, redirectUri, provider, authMethod,
                request.sandbox(), request.manual(), minutes, state);
    }

    /** Products as Finch takes them, from an array or a space-separated string. */
    static List<String> productsOf(JsonNode node) {
        List<String> values = new ArrayList<>();
        if (node == null || node.isNull()) {
            throw ProblemException.badRequest("products", "products is required");
        }
        if (node.isTextual()) {
            for (String value : node.asText().trim().split("\\s+")) {
                if (!value.isEmpty()) {
                    values.add(value);
                }
            }
        } else if (node.isArray()) {
            for (JsonNode value : node) {
                if (!value.isTextual()) {
                    throw ProblemException.badRequest("products", "products must be strings");
                }
                values.add(value.asText());
            }
        } else {
            throw ProblemException.badRequest("products", "products must be an array or a space-separated string");
        }
        if (values.isEmpty()) {
            throw ProblemException.badRequest("products", "products must name at least one product");
        }
        for (String value : values) {
            if (!PRODUCTS.contains(value)) {
                throw ProblemException.badRequest("products", "unknown product '" + truncate(value) + "'");
            }
        }
        if (values.contains("deduction") && values.contains("benefits")) {
            throw ProblemException.badRequest("products", "deduction is the deprecated name of benefits: ask for one of them");
        }
        return List.copyOf(new LinkedHashSet<>(values));
    }

    private static String text(String field, String value, int max, boolean required) {
        if (value == null) {
            if (required) {
                throw ProblemException.badRequest(field, field + " is required");
            }
            return null;
        }
        if (value.isEmpty() || value.length() > max) {
            throw ProblemException.badRequest(field, field + " must be 1 to " + max + " characters");
        }
        return value;
    }

    private static String truncate(String value) {
        return value.length() > 40 ? value.substring(0, 40) + "..." : value;
    }
}
