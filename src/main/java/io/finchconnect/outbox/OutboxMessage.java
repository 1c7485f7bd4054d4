package io.finchconnect.outbox;

import java.time.OffsetDateTime;
import java.util.Map;
import java.util.UUID;

/**
 * One outbox row as the relay sees it: what goes to Kafka, how often Kafka refused it, and its partition.
 */
public record OutboxMessage(long id, UUID eventId, String key, String type, String payload,
                            Map<String, String> headers, OffsetDateTime createdAt, int attempts, int partition) {
}
