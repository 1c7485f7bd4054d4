package io.finchconnect.simulator;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/** Reads and validates the fields of Finch request bodies, answering Finch's 400 for anything off. */
final class RequestFields {

    static final Set<String> PRODUCTS = Set.of("benefits", "company", "deduction", "directory", "documents",
            "employment", "individual", "payment", "pay_statement", "plans", "plans_dependents",
            "plans_enrollments", "recordkeeping", "ssn");

    private RequestFields() {
    }

    static String requiredString(JsonObject body, String field, int maxLength) {
        Object value = body.getValue(field);
        if (!(value instanceof String text) || text.isEmpty() || text.length() > maxLength) {
            throw FinchError.invalidRequest(field + " is required and must be a string of 1 to " + maxLength + " characters");
        }
        return text;
    }

    static String optionalString(JsonObject body, String field) {
        Object value = body.getValue(field);
        if (value != null && !(value instanceof String)) {
            throw FinchError.invalidRequest(field + " must be a string or null");
        }
        return (String) value;
    }

    static String optionalEnum(JsonObject body, String field, Set<String> allowed) {
        String value = optionalString(body, field);
        if (value != null && !allowed.contains(value)) {
            throw FinchError.invalidRequest(field + " must be one of " + allowed);
        }
        return value;
    }

    static Boolean optionalBoolean(JsonObject body, String field) {
        Object value = body.getValue(field);
        if (value != null && !(value instanceof Boolean)) {
            throw FinchError.invalidRequest(field + " must be a boolean or null");
        }
        return (Boolean) value;
    }

    static final long MAX_MINUTES_TO_EXPIRE = 129_600;

    /**
     * {@code minutes_to_expire}: an integer from 1 to 129,600 (Finch's API reference). A JSON number with a
     * fraction, even {@code 5.0}, is refused: the reference says integer, and strict is what Finch may be.
     */
    static Duration minutesToExpire(JsonObject body, long defaultMinutes) {
        Object value = body.getValue("minutes_to_expire");
        if (value == null) {
            return Duration.ofMinutes(defaultMinutes);
        }
        if (!(value instanceof Integer || value instanceof Long)) {
            throw FinchError.invalidRequest("minutes_to_expire must be an integer from 1 to " + MAX_MINUTES_TO_EXPIRE);
        }
        long minutes = ((Number) value).longValue();
        if (minutes < 1 || minutes > MAX_MINUTES_TO_EXPIRE) {
            throw FinchError.invalidRequest("minutes_to_expire must be an integer from 1 to " + MAX_MINUTES_TO_EXPIRE);
        }
        return Duration.ofMinutes(minutes);
    }

    static final Set<String> RECORDKEEPERS = Set.of("voya", "empower", "fidelity", "transamerica");

    /** {@code recordkeeping}: {@code {recordkeeper, plan_id?}}, only with the recordkeeping product (SDK 10.8). */
    static JsonObject recordkeeping(JsonObject body, List<String> products) {
        Object value = body.getValue("recordkeeping");
        if (value == null) {
            return null;
        }
        if (!(value instanceof JsonObject recordkeeping)) {
            throw FinchError.invalidRequest("recordkeeping must be an object or null");
        }
        if (products == null || !products.contains("recordkeeping")) {
            throw FinchError.invalidRequest("recordkeeping can only be provided when the recordkeeping product is requested");
        }
        for (String field : recordkeeping.fieldNames()) {
            if (!field.equals("recordkeeper") && !field.equals("plan_id")) {
                throw FinchError.invalidRequest("recordkeeping has no field " + field);
            }
        }
        String recordkeeper = optionalEnum(recordkeeping, "recordkeeper", RECORDKEEPERS);
        if (recordkeeper == null) {
            throw FinchError.invalidRequest("recordkeeping.recordkeeper is required: one of " + RECORDKEEPERS);
        }
        String planId = optionalString(recordkeeping, "plan_id");
        return new JsonObject().put("recordkeeper", recordkeeper).put("plan_id", planId);
    }

    /** Returns null when the field is absent and not required. */
    static List<String> products(JsonObject body, boolean required) {
        Object value = body.getValue("products");
        if (value == null && !required) {
            return null;
        }
        if (!(value instanceof JsonArray array) || array.isEmpty()) {
            throw FinchError.invalidRequest("products is required and must be a non-empty array");
        }
        Set<String> products = new LinkedHashSet<>();
        for (Object item : array) {
            if (!(item instanceof String product) || !PRODUCTS.contains(product)) {
                throw FinchError.invalidRequest("products contains an unknown product: " + item);
            }
            products.add(product);
        }
        if (products.contains("deduction") && products.contains("benefits")) {
            throw FinchError.invalidRequest("products must not contain both deduction and benefits");
        }
        return List.copyOf(new ArrayList<>(products));
    }

    static String redirectUri(JsonObject body, Set<String> allowedRedirectUris) {
        String uri = optionalString(body, "redirect_uri");
        if (uri != null && !isAllowedRedirectUri(uri, allowedRedirectUris)) {
            throw FinchError.invalidRequest("redirect_uri is not one of the application's redirect URIs");
        }
        return uri;
    }

    static boolean isAllowedRedirectUri(String uri, Set<String> allowedRedirectUris) {
        if (!allowedRedirectUris.isEmpty()) {
            return allowedRedirectUris.contains(uri);
        }
        try {
            return new URI(uri).isAbsolute();
        } catch (URISyntaxException e) {
            return false;
        }
    }
}
