package io.finchconnect.finch.client;

import io.finchconnect.common.error.ServiceException;

/**
 * Finch did not answer within the configured request timeout.
 */
public class FinchTimeoutException extends ServiceException {

    FinchTimeoutException() {
        super("finch-timeout", "Finch did not answer in time");
    }
}
