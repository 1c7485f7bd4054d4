package io.finchconnect.testing;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;

import io.quarkus.hibernate.reactive.panache.Panache;
import io.quarkus.vertx.VertxContextSupport;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Context;
import io.vertx.core.Vertx;

/**
 * Runs Hibernate Reactive transactions from test threads, each on a context of its own, so a test can hold
 * several open at once and decide when each commits.
 */
public final class Transactions {

    private Transactions() {
    }

    /** Runs the work in a transaction and waits for its commit (or failure). */
    public static <T> T inTransaction(Supplier<Uni<T>> work) {
        try {
            return VertxContextSupport.subscribeAndAwait(() -> Panache.withTransaction(work));
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable e) {
            throw new IllegalStateException(e);
        }
    }

    /** Starts the transaction without waiting for it. */
    public static <T> CompletableFuture<T> startTransaction(Supplier<Uni<T>> work) {
        return CompletableFuture.supplyAsync(() -> inTransaction(work));
    }

    /** Inside a transaction: waits until the test opens the gate, then goes on on the transaction's context. */
    public static Uni<Void> gate(CompletionStage<Void> gate) {
        Context context = Vertx.currentContext();
        return Uni.createFrom().completionStage(gate)
                .emitOn(command -> context.runOnContext(ignored -> command.run()));
    }

    public static <T> CompletableFuture<T> run(Supplier<Uni<T>> work) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                return VertxContextSupport.subscribeAndAwait(work);
            } catch (RuntimeException | Error e) {
                throw e;
            } catch (Throwable e) {
                throw new IllegalStateException(e);
            }
        });
    }
}
