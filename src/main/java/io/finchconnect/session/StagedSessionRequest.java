package io.finchconnect.session;

import java.util.List;

/**
 * A validated request for a customer's staged Connect session.
 */
public record StagedSessionRequest(String customerId, String customerName, String customerEmail, List<String> products,
                                   String redirectUri, String integrationProvider, String integrationAuthMethod,
                                   String sandbox, Boolean manual, int minutesToExpire, String callerState,
                                   Recordkeeping recordkeeping) {

    /** Which recordkeeper (and plan) the recordkeeping product connects to. */
    public record Recordkeeping(String recordkeeper, String planId) {
    }
}
