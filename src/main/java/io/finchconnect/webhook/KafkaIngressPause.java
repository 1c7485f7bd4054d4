package io.finchconnect.webhook;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.Logger;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * Whether the Kafka ingress is holding a batch PostgreSQL has not stored yet (the connector then pauses the
 * consumer once it has buffered two more polls): the gauge {@code finch_webhooks_ingress_paused} (1 while it holds, else 0) and one log line when it starts and
 * one when it ends, rather than one per attempt of an outage.
 */
@ApplicationScoped
public class KafkaIngressPause {

    private static final Logger LOG = Logger.getLogger(KafkaIngressPause.class);
    private static final long NOT_PAUSED = Long.MIN_VALUE;

    private final AtomicLong pausedSince = new AtomicLong(NOT_PAUSED);

    KafkaIngressPause(MeterRegistry registry) {
        Gauge.builder("finch.webhooks.ingress.paused", pausedSince, since -> since.get() == NOT_PAUSED ? 0 : 1)
                .description("1 while the Kafka ingress holds Finch events PostgreSQL could not store yet, and what follows them")
                .register(registry);
    }

    /** A batch could not be stored; it is tried again, and nothing after it is taken meanwhile. */
    void storeFailed(int events, Throwable failure) {
        if (pausedSince.compareAndSet(NOT_PAUSED, System.nanoTime())) {
            LOG.warnf("Kafka ingress paused: %d Finch events not stored yet (%s); holding them, and what follows them on "
                    + "Kafka, until they are", events, failure.toString());
        } else {
            LOG.debugf("%d Finch events from Kafka still not stored (%s); retrying", events, failure.toString());
        }
    }

    /** A batch was stored: the ingress takes records again. */
    void stored(int events) {
        long since = pausedSince.getAndSet(NOT_PAUSED);
        if (since != NOT_PAUSED) {
            LOG.infof("Kafka ingress resumed after %d s: the %d Finch events it held are stored",
                    Duration.ofNanos(System.nanoTime() - since).toSeconds(), events);
        }
    }
}
