package io.finchconnect.reauth;

import io.finchconnect.common.error.ServiceException;

/** The caller named a customer the connection does not belong to. */
public class ConnectionOfAnotherCustomerException extends ServiceException {

    public ConnectionOfAnotherCustomerException(String connectionId, String customerId) {
        super("customer-mismatch", "Connection " + connectionId + " is not customer " + customerId + "'s");
    }
}
