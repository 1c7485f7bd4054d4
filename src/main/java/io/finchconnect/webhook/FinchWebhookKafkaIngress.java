package io.finchconnect.webhook;

import java.nio.charset.StandardCharsets;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.common.header.Header;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.jboss.logging.Logger;

import io.finchconnect.webhook.InboxIntake.Channel;
import io.finchconnect.webhook.InboxIntake.Entry;
import io.smallrye.mutiny.Uni;

/**
 * The same Finch events from Kafka (topic {@code finch.webhooks}), published by an edge that verified Finch's
 * signature, with the event id in the {@code finch-event-id} header. A poll's records go into the inbox in one
 * statement; the batch is acknowledged, and so its offsets committed, only once that statement committed. A
 * record that can never be stored is logged and skipped so it does not block its partition; a database outage
 * is waited out instead, however long, so nothing is lost: the batch is tried again with backoff and, as the
 * next one is only asked for once it is stored, the connector pauses the consumer meanwhile
 * ({@link KafkaIngressPause}). The channel's commit strategy must therefore not give up on a record held that
 * long (application.properties, docs/inbox.md).
 */
@ApplicationScoped
public class FinchWebhookKafkaIngress {

    private static final Logger LOG = Logger.getLogger(FinchWebhookKafkaIngress.class);
    static final String EVENT_ID_HEADER = "finch-event-id";
    static final String TIMESTAMP_HEADER = "finch-timestamp";

    private final InboxIntake intake;
    private final KafkaIngressPause pause;

    FinchWebhookKafkaIngress(InboxIntake intake, KafkaIngressPause pause) {
        this.intake = intake;
        this.pause = pause;
    }

    @Incoming("finch-webhooks")
    public Uni<Void> consume(ConsumerRecords<String, byte[]> records) {
        List<Entry> entries = new ArrayList<>(records.count());
        for (ConsumerRecord<String, byte[]> record : records) {
            String eventId = header(record, EVENT_ID_HEADER);
            if (!InboxIntake.isUsableEventId(eventId) || record.value() == null) {
                LOG.warnf("Skipping Finch event record %s-%d@%d: no usable %s header or no body", record.topic(),
                        record.partition(), record.offset(), EVENT_ID_HEADER);
                continue;
            }
            entries.add(intake.entryOf(eventId, Channel.KAFKA, occurredAt(record), record.value()));
        }
        return intake.store(entries)
                .onFailure().invoke(failure -> pause.storeFailed(entries.size(), failure))
                .onFailure().retry().withBackOff(Duration.ofMillis(200), Duration.ofSeconds(10)).indefinitely()
                .invoke(() -> pause.stored(entries.size()))
                .replaceWithVoid();
    }

    /**
     * Finch's timestamp from the header, else the record's; one that PostgreSQL cannot store, or from the future,
     * is not Finch's, and would hold the partition forever as a failing insert: then the time it arrived. Kept
     * for the record only: no time decides anything.
     */
    private static OffsetDateTime occurredAt(ConsumerRecord<String, byte[]> record) {
        Instant now = Instant.now();
        Instant occurred = parse(header(record, TIMESTAMP_HEADER), record);
        if (occurred == null || !plausible(occurred, now)) {
            occurred = Instant.ofEpochMilli(record.timestamp());
        }
        return OffsetDateTime.ofInstant(plausible(occurred, now) ? occurred : now, ZoneOffset.UTC);
    }

    private static Instant parse(String timestamp, ConsumerRecord<String, byte[]> record) {
        try {
            return timestamp == null ? null : Instant.ofEpochSecond(Long.parseLong(timestamp.trim()));
        } catch (NumberFormatException | DateTimeException e) {
            LOG.debugf("Ignoring unreadable %s header on %s-%d@%d", TIMESTAMP_HEADER, record.topic(), record.partition(),
                    record.offset());
            return null;
        }
    }

    private static boolean plausible(Instant occurred, Instant now) {
        return !occurred.isBefore(Instant.EPOCH) && !occurred.isAfter(now.plus(FinchSignatureVerifier.TOLERANCE));
    }

    private static String header(ConsumerRecord<String, byte[]> record, String name) {
        for (Header header : record.headers()) {
            if (header.key().equalsIgnoreCase(name) && header.value() != null) {
                return new String(header.value(), StandardCharsets.UTF_8);
            }
        }
        return null;
    }
}
