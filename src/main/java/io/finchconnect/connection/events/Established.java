package io.finchconnect.connection.events;

import java.time.OffsetDateTime;
import java.util.List;

/**
 * Data of {@code finch.connection.established}: the first successful code exchange for a connection.
 */
public record Established(String connectionId, String customerId, String customerName, String companyId,
                          String providerId, List<String> products, String connectionType, List<String> entityIds,
                          OffsetDateTime connectedAt, String connectionStatus,
                          List<ConnectionEvents.EntityStatus> entities) {
}
