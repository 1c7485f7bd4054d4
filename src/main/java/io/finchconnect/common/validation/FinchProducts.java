package io.finchconnect.common.validation;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;

import io.finchconnect.common.error.InvalidRequestException;

/** Finch's products (docs/finch.md), as a staged or a reauthentication session asks for them. */
public final class FinchProducts {

    public static final Set<String> PRODUCTS = Set.of("benefits", "company", "deduction", "directory", "documents",
            "employment", "individual", "payment", "pay_statement", "plans", "plans_dependents", "plans_enrollments",
            "recordkeeping", "ssn");

    private FinchProducts() {
    }

    /** Products as Finch takes them, from an array or a space-separated string. */
    public static List<String> of(JsonNode node) {
        List<String> values = new ArrayList<>();
        if (node == null || node.isNull()) {
            throw new InvalidRequestException("products", "products is required");
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
                    throw new InvalidRequestException("products", "products must be strings");
                }
                values.add(value.asText());
            }
        } else {
            throw new InvalidRequestException("products", "products must be an array or a space-separated string");
        }
        if (values.isEmpty()) {
            throw new InvalidRequestException("products", "products must name at least one product");
        }
        for (String value : values) {
            if (!PRODUCTS.contains(value)) {
                throw new InvalidRequestException("products", "unknown product '" + truncate(value) + "'");
            }
        }
        if (values.contains("deduction") && values.contains("benefits")) {
            throw new InvalidRequestException("products", "deduction is the deprecated name of benefits: ask for one of them");
        }
        return List.copyOf(new LinkedHashSet<>(values));
    }

    private static String truncate(String value) {
        return value.length() > 40 ? value.substring(0, 40) + "..." : value;
    }
}
