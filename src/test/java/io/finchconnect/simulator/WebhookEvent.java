package io.finchconnect.simulator;

/** A webhook event as delivered: its id and the exact body bytes, kept so a redelivery sends the same body. */
record WebhookEvent(String id, String body) {
}
