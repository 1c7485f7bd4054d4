package io.finchconnect.connection.vault;

import java.util.ArrayList;
import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.Logger;

import io.finchconnect.connection.ConnectionStore;
import io.finchconnect.connection.ConnectionStore.ConnectionToken;
import io.finchconnect.connection.ConnectionStore.StoredToken;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.SqlConnection;

/**
 * Re-encrypts every stored token that is not yet under the active key and bound to its connection, so an old
 * key can be removed from the configuration. Works in batches keyed on {@code connection_id}, each its own
 * transaction with its rows locked {@code SKIP LOCKED}: a run cut short resumes by running again (only rows still
 * to do are selected), and two runs at once, on one instance or two, share the rows instead of redoing them.
 * Logs counts and connection ids only, never a token.
 */
@ApplicationScoped
public class TokenReencryption {

    private static final Logger LOG = Logger.getLogger(TokenReencryption.class);

    private final Pool pool;
    private final TokenVault vault;

    TokenReencryption(Pool pool, TokenVault vault) {
        this.pool = pool;
        this.vault = vault;
    }

    /** How many connections hold a token under each key id and format. */
    public record KeyUsage(String keyId, int format, long connections) {
    }

    /**
     * What one run did: {@code remaining} counts the connections still not current afterwards (unreadable ones,
     * rows another transaction held, rows written by an older instance meanwhile); a key is safe to remove once
     * {@code byKey} no longer names it.
     */
    public record Report(String activeKeyId, long reencrypted, long unreadable, long remaining, List<KeyUsage> byKey) {
    }

    private record Progress(String after, long reencrypted, long unreadable, int batches) {

        Progress plus(Batch batch) {
            return new Progress(batch.last(), reencrypted + batch.reencrypted(), unreadable + batch.unreadable(), batches + 1);
        }
    }

    private record Batch(String last, int selected, int reencrypted, int unreadable) {
    }

    public Uni<Report> reencryptAll(int batchSize) {
        LOG.infof("Token re-encryption started: every token to key '%s', bound to its connection, in batches of %d",
                vault.activeKeyId(), batchSize);
        return continueFrom(new Progress("", 0, 0, 0), batchSize).chain(this::report);
    }

    public Uni<List<KeyUsage>> usageByKey() {
        return ConnectionStore.tokensByKey(pool);
    }

    private Uni<Progress> continueFrom(Progress progress, int batchSize) {
        return pool.withTransaction(connection -> batch(connection, progress.after(), batchSize))
                .chain(batch -> {
                    Progress next = progress.plus(batch);
                    if (batch.selected() > 0) {
                        LOG.infof("Token re-encryption: batch %d, %d re-encrypted and %d unreadable so far, up to connection %s",
                                next.batches(), next.reencrypted(), next.unreadable(), next.after());
                    }
                    return batch.selected() < batchSize ? Uni.createFrom().item(next) : continueFrom(next, batchSize);
                });
    }

    private Uni<Batch> batch(SqlConnection connection, String after, int batchSize) {
        return ConnectionStore.lockTokensToReseal(connection, after, vault.activeKeyId(), TokenFormat.CONNECTION_BOUND.code(),
                        batchSize)
                .chain(tokens -> reseal(connection, after, tokens));
    }

    private Uni<Batch> reseal(SqlConnection connection, String after, List<StoredToken> stored) {
        List<ConnectionToken> resealed = new ArrayList<>();
        String last = after;
        int unreadable = 0;
        for (StoredToken sealed : stored) {
            String connectionId = sealed.connectionId();
            last = connectionId;
            try {
                String token = vault.decrypt(connectionId, sealed.token());
                resealed.add(new ConnectionToken(connectionId, vault.encrypt(connectionId, token)));
            } catch (TokenVaultException e) {
                unreadable++;
                LOG.errorf("Token re-encryption: connection %s left as it is, its token cannot be decrypted (%s)",
                        connectionId, e.getMessage());
            }
        }
        Batch batch = new Batch(last, stored.size(), resealed.size(), unreadable);
        if (resealed.isEmpty()) {
            return Uni.createFrom().item(batch);
        }
        return ConnectionStore.storeTokens(connection, resealed).replaceWith(batch);
    }

    private Uni<Report> report(Progress progress) {
        return usageByKey().map(usage -> {
            long remaining = usage.stream()
                    .filter(one -> !one.keyId().equals(vault.activeKeyId()) || one.format() != TokenFormat.CONNECTION_BOUND.code())
                    .mapToLong(KeyUsage::connections).sum();
            LOG.infof("Token re-encryption finished: %d re-encrypted, %d unreadable, %d connections not under key '%s' now",
                    progress.reencrypted(), progress.unreadable(), remaining, vault.activeKeyId());
            return new Report(vault.activeKeyId(), progress.reencrypted(), progress.unreadable(), remaining, usage);
        });
    }
}
