package io.finchconnect.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.finchconnect.it.LifecycleAction.AnswerLost;
import io.finchconnect.it.LifecycleAction.Delivery;
import io.finchconnect.it.LifecycleAction.Fault;
import io.finchconnect.testing.EventTopic;
import io.finchconnect.testing.EventTopic.Event;
import io.finchconnect.testing.Finch;
import io.finchconnect.testing.TestStack;

/**
 * One sequence of {@link LifecycleModelIT}: its own connections (made through the service, so each has its
 * {@code established} event), the steps taken so far, and what the test made Finch do to them, which decides only
 * which steps still make sense (a disconnected entity gets no status). What Finch and the service finally hold is
 * read from them when the sequence is {@linkplain #settle() settled}, never taken from this model.
 */
final class LifecycleWorld {

    /** The entities of the sequence's connections, by index: one single-entity and two multi-entity connections. */
    static final int[] ENTITIES = { 1, 2, 3 };
    /** In {@link Connection#removedByOperator} and {@link Connection#removedByFinch}: the whole connection. */
    static final String WHOLE = "*";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration SETTLE = Duration.ofSeconds(60);

    /** A connection of the sequence, and what the test made Finch do to it. */
    static final class Connection {
        final String id;
        final String customerId;
        final List<String> entityIds;
        boolean goneAtFinch;
        final Set<Integer> entitiesGoneAtFinch = new HashSet<>();
        /** Who asked Finch to remove what: entity ids, or {@link #WHOLE} for the connection and what it still had. */
        final Set<String> removedByOperator = new HashSet<>();
        final Set<String> removedByFinch = new HashSet<>();
        /** The last status the test gave the connection and each entity at Finch. */
        String statusAtFinch = "connected";
        final Map<Integer, String> entityStatusAtFinch = new java.util.HashMap<>();

        /**
         * The removal of its last entity ends the connection: Finch then makes no more changes to it (the simulator
         * would still take a status for it).
         */
        void endedIfNoEntityLeft() {
            if (attachedEntities().isEmpty()) {
                goneAtFinch = true;
            }
        }

        boolean needsEmployerAtFinch() {
            return !goneAtFinch && (LifecycleInvariants.NEEDS_EMPLOYER.contains(statusAtFinch) || attachedEntities().stream()
                    .anyMatch(entity -> LifecycleInvariants.NEEDS_EMPLOYER.contains(entityStatusAtFinch.getOrDefault(entity, "connected"))));
        }

        Connection(String id, String customerId, List<String> entityIds) {
            this.id = id;
            this.customerId = customerId;
            this.entityIds = entityIds;
        }

        List<Integer> attachedEntities() {
            return goneAtFinch ? List.of() : IntStream.range(0, entityIds.size())
                    .filter(i -> !entitiesGoneAtFinch.contains(i)).boxed().toList();
        }
    }

    private final LifecycleService service;
    private final LifecycleDatabase database;
    private final EventTopic topic;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();
    final List<Connection> connections = new ArrayList<>();
    private final List<String> log = new ArrayList<>();
    private final List<CompletableFuture<LifecycleService.Answer>> inFlight = new ArrayList<>();
    private boolean restarted;

    private LifecycleWorld(LifecycleService service, EventTopic topic) {
        this.service = service;
        this.database = new LifecycleDatabase(service);
        this.topic = topic;
    }

    /** A new sequence: {@link #ENTITIES} connections, each authorized at Finch and exchanged through the service. */
    static LifecycleWorld start(LifecycleService service, EventTopic topic) {
        LifecycleWorld world = new LifecycleWorld(service, topic);
        try {
            for (int entities : ENTITIES) {
                String customerId = "model-" + UUID.randomUUID();
                Finch.Authorization authorization = Finch.completeSession(Finch.createSession(customerId), entities);
                LifecycleService.Answer answer = service.post("/v1/connect/authorizations",
                        JSON.createObjectNode().put("code", authorization.code()).put("customer_id", customerId).toString());
                assertThat(answer.status()).as("connection established: %s", answer.body()).isEqualTo(201);
                String connectionId = answer.json().get("connection_id").asText();
                List<String> entityIds = new ArrayList<>();
                world.finch("GET", "/_control/connections/" + connectionId, null).get("entities")
                        .forEach(entity -> entityIds.add(entity.get("id").asText()));
                world.connections.add(new Connection(connectionId, customerId, List.copyOf(entityIds)));
            }
        } catch (Exception e) {
            throw new IllegalStateException("could not set up the sequence's connections", e);
        }
        return world;
    }

    /** One restart per sequence at most: each costs seconds of a new process's start. */
    boolean restartAllowed() {
        return !restarted;
    }

    List<Integer> connectionsNeedingTheEmployer() {
        return IntStream.range(0, connections.size()).filter(i -> connections.get(i).needsEmployerAtFinch()).boxed().toList();
    }

    List<Integer> liveConnections() {
        return IntStream.range(0, connections.size()).filter(i -> !connections.get(i).goneAtFinch).boxed().toList();
    }

    /** Runs one step, logged as it is printed in a shrunk sequence. */
    LifecycleWorld apply(LifecycleAction action) {
        synchronized (this) {
            log.add(action.toString());
        }
        try {
            action.run(this);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException(action + " failed", e);
        }
        return this;
    }

    void finchSetsStatus(int index, String status, Delivery delivery) throws Exception {
        Connection connection = connections.get(index);
        if (connection.goneAtFinch) {
            note("connection " + index + " is gone at Finch: nothing changes");
            return;
        }
        JsonNode sent = finch("POST", "/_control/connections/" + connection.id + "/status",
                JSON.createObjectNode().put("status", status).put("delivery", mode(delivery)).toString());
        redeliverIfTwice(sent, delivery);
        if ("disconnected".equals(status)) {
            connection.goneAtFinch = true;
            connection.removedByFinch.add(WHOLE);
        }
        connection.statusAtFinch = status;
        connection.attachedEntities().forEach(entity -> connection.entityStatusAtFinch.put(entity, status));
    }

    void finchSetsEntityStatus(int index, int entity, String status, Delivery delivery) throws Exception {
        Connection connection = connections.get(index);
        int chosen = entity % connection.entityIds.size();
        if (connection.goneAtFinch || connection.entitiesGoneAtFinch.contains(chosen)) {
            note("entity " + chosen + " of connection " + index + " is gone at Finch: nothing changes");
            return;
        }
        JsonNode sent = finch("POST", "/_control/connections/" + connection.id + "/entities/"
                + connection.entityIds.get(chosen) + "/status",
                JSON.createObjectNode().put("status", status).put("delivery", mode(delivery)).toString());
        redeliverIfTwice(sent, delivery);
        if ("disconnected".equals(status)) {
            connection.entitiesGoneAtFinch.add(chosen);
            connection.removedByFinch.add(connection.entityIds.get(chosen));
            connection.endedIfNoEntityLeft();
        }
        connection.entityStatusAtFinch.put(chosen, status);
    }

    private void redeliverIfTwice(JsonNode sent, Delivery delivery) throws Exception {
        if (delivery == Delivery.TWICE) {
            finch("POST", "/_control/webhooks/" + sent.get("event_id").asText() + "/redeliver", null);
        }
    }

    private static String mode(Delivery delivery) {
        return delivery == Delivery.TWICE ? "now" : delivery.name().toLowerCase(Locale.ROOT);
    }

    void deliverWaitingWebhooks(boolean newestFirst) throws Exception {
        finch("POST", "/_control/webhooks/waiting/deliver",
                JSON.createObjectNode().put("order", newestFirst ? "newest_first" : "oldest_first").toString());
    }

    void employerReauthenticates(int index) throws Exception {
        Connection connection = connections.get(index);
        if (connection.goneAtFinch) {
            note("connection " + index + " is gone at Finch: no Connect to complete");
            return;
        }
        Link link = link(connection, connection.needsEmployerAtFinch());
        if (link == null) {
            return;
        }
        Answer completed = finchAnswer("POST", "/_control/sessions/" + link.sessionId + "/complete", "{}");
        if (completed.status != 200) {
            note("Finch refused the link of connection " + index + ": " + completed.status);
            return;
        }
        String code = JSON.readTree(completed.body).get("code").asText();
        // Finch brought the connection and its attached entities back to connected.
        connection.statusAtFinch = "connected";
        connection.attachedEntities().forEach(entity -> connection.entityStatusAtFinch.put(entity, "connected"));
        LifecycleService.Answer landing = service.callback("code=" + encode(code) + "&state=" + encode(link.state));
        note("callback of connection " + index + ": " + landing.status() + " " + landing.body());
    }

    void employerAbandons(int index) throws Exception {
        Connection connection = connections.get(index);
        Link link = link(connection, connection.needsEmployerAtFinch());
        if (link == null) {
            return;
        }
        LifecycleService.Answer landing = service.callback("error=access_denied&error_description="
                + encode("The employer closed Connect") + "&state=" + encode(link.state));
        note("abandoned Connect of connection " + index + ": " + landing.status());
    }

    private record Link(String sessionId, String state) {
    }

    /**
     * The episode's link as the service hands it out, or null (noted) when it has none now; when Finch needs the
     * employer, the employer waits a little for it, as the link reaches them after the service made it.
     */
    private Link link(Connection connection, boolean expected) throws Exception {
        long until = System.nanoTime() + (expected ? Duration.ofSeconds(3).toNanos() : 0);
        LifecycleService.Answer view = service.get("/v1/connections/" + connection.id);
        while (!view.json().path("reauth_session").isObject() && System.nanoTime() < until) {
            Thread.sleep(200);
            view = service.get("/v1/connections/" + connection.id);
        }
        JsonNode session = view.json().path("reauth_session");
        if (session.isMissingNode() || session.isNull()) {
            note("no link for " + connections.indexOf(connection) + " (status " + view.json().path("status").asText() + ")");
            return null;
        }
        String query = URI.create(session.get("connect_url").asText()).getRawQuery();
        Map<String, String> parameters = new LinkedHashMap<>();
        for (String pair : query.split("&")) {
            String[] parts = pair.split("=", 2);
            parameters.put(parts[0], parts.length > 1 ? URLDecoder.decode(parts[1], StandardCharsets.UTF_8) : "");
        }
        return new Link(session.get("session_id").asText(), parameters.get("state"));
    }

    void operatorDisconnects(int index, List<Integer> entities, AnswerLost answerLost) throws Exception {
        Connection connection = connections.get(index);
        if (connection.goneAtFinch) {
            note("connection " + index + " is gone at Finch: no disconnect");
            return;
        }
        List<Integer> chosen = entities.stream().map(entity -> entity % connection.entityIds.size()).distinct()
                .filter(entity -> !connection.entitiesGoneAtFinch.contains(entity)).toList();
        if (!entities.isEmpty() && chosen.isEmpty()) {
            note("the entities are gone at Finch: no disconnect");
            return;
        }
        String body = entities.isEmpty() ? "{}" : JSON.createObjectNode().set("entity_ids", JSON.valueToTree(
                chosen.stream().map(connection.entityIds::get).toList())).toString();
        if (answerLost != AnswerLost.NO) {
            Map<String, Object> fault = answerLost == AnswerLost.HELD ? Map.of("hold_answer", true, "times", 1)
                    : Map.of("status", 502, "after_processing", true, "times", 1);
            Finch.aboutConnection(connection.id).fault(entities.isEmpty() ? "disconnect" : "disconnect.entity", fault);
            inFlight.add(service.postLater("/v1/connections/" + connection.id + "/disconnect", body)
                    .whenComplete((answer, failure) -> note("operator's disconnect of " + index + " answered "
                            + (answer == null ? failure : answer.status()))));
        } else {
            LifecycleService.Answer answer = service.post("/v1/connections/" + connection.id + "/disconnect", body);
            note("operator's disconnect of " + index + " answered " + answer.status());
        }
        if (entities.isEmpty()) {
            connection.goneAtFinch = true;
            connection.removedByOperator.add(WHOLE);
        } else {
            connection.entitiesGoneAtFinch.addAll(chosen);
            chosen.forEach(entity -> connection.removedByOperator.add(connection.entityIds.get(entity)));
            connection.endedIfNoEntityLeft();
        }
    }

    void introspectionFault(int index, Fault fault, int times) {
        Map<String, Object> body = switch (fault) {
            case UNAVAILABLE -> Map.of("status", 503, "times", times);
            case RATE_LIMITED -> Map.of("status", 429, "retry_after_seconds", 1, "times", times);
            case HTML_401 -> Map.of("status", 401, "not_finch", true, "times", times);
            case HELD_ANSWER -> Map.of("hold_answer", true, "times", 1);
        };
        Finch.aboutConnection(connections.get(index).id).fault("introspect", body);
    }

    void clearFaults(int index) {
        Finch.aboutConnection(connections.get(index).id).clearFaults();
    }

    void releaseHeldAnswers() {
        Finch.releaseHeldAnswers();
    }

    void reconcile() throws Exception {
        database.reconcileNow(ids());
    }

    void restart(boolean kill9) throws Exception {
        if (!restartAllowed()) {
            note("no restart in this sequence");
            return;
        }
        restarted = true;
        service.restart(kill9);
    }

    /** An operator's answer arrives on the HTTP client's thread, while the sequence goes on. */
    private synchronized void note(String what) {
        log.add("  " + what);
    }

    /** The steps so far, each followed by what it noted (indented). */
    synchronized List<String> log() {
        return List.copyOf(log);
    }

    List<String> ids() {
        return connections.stream().map(connection -> connection.id).toList();
    }

    /** What every connection of the sequence came to, once settled: Finch's, the service's, and its first deliveries. */
    record Outcome(Connection connection, JsonNode atFinch, JsonNode atService, List<JsonNode> events, JsonNode linkAtFinch) {
    }

    /**
     * Ends the sequence: Finch's faults cleared and held answers sent, the operators' requests answered, every waiting
     * webhook delivered, then reconciliation passes until the service holds what Finch holds (or {@link #SETTLE} runs
     * out: the invariants then say where it does not), the outbox sent, and every event of the sequence's connections
     * read from Kafka.
     */
    List<Outcome> settle() throws Exception {
        for (Connection connection : connections) {
            Finch.aboutConnection(connection.id).clearFaults();
        }
        Finch.releaseHeldAnswers();
        for (CompletableFuture<LifecycleService.Answer> request : inFlight) {
            try {
                request.get(30, TimeUnit.SECONDS);
            } catch (Exception e) {
                // cut off by a restart: the operator got no answer, which the service must cope with like Finch's lost one
            }
        }
        deliverWaitingWebhooks(false);
        long deadline = System.nanoTime() + SETTLE.toNanos();
        List<Outcome> outcomes;
        while (true) {
            database.reconcileNow(ids());
            long quiet = System.nanoTime() + Duration.ofSeconds(15).toNanos();
            while (database.unfinishedWork(ids()) > 0 && System.nanoTime() < quiet) {
                Thread.sleep(100);
            }
            outcomes = outcomes(List.of());
            if (outcomes.stream().allMatch(LifecycleInvariants::settled) || System.nanoTime() > deadline) {
                break;
            }
            Thread.sleep(300);
        }
        awaitOutboxSent(deadline);
        List<String> eventIds = database.outbox(ids()).stream().map(row -> row[0]).toList();
        Set<String> keys = Set.copyOf(ids());
        List<Event> delivered = topic.awaitEvents(Duration.ofSeconds(30), events -> events.stream()
                .filter(event -> keys.contains(event.key())).map(Event::ceId).collect(Collectors.toSet()).containsAll(eventIds));
        return outcomes(delivered);
    }

    private void awaitOutboxSent(long deadline) throws Exception {
        while (database.outbox(ids()).stream().anyMatch(row -> !"true".equals(row[2]))) {
            if (System.nanoTime() > deadline + Duration.ofSeconds(20).toNanos()) {
                throw new AssertionError("the outbox of the sequence's connections was not sent");
            }
            Thread.sleep(100);
        }
    }

    private List<Outcome> outcomes(List<Event> delivered) throws Exception {
        List<Outcome> outcomes = new ArrayList<>();
        for (Connection connection : connections) {
            JsonNode atService = service.get("/v1/connections/" + connection.id).json();
            JsonNode session = atService.path("reauth_session");
            JsonNode link = null;
            if (session.isObject()) {
                Answer atFinch = finchAnswer("GET", "/_control/sessions/" + session.get("session_id").asText(), null);
                link = atFinch.status == 200 ? JSON.readTree(atFinch.body) : null;
            }
            Set<String> seen = new HashSet<>();
            List<JsonNode> events = new ArrayList<>();
            for (Event event : delivered) {
                if (connection.id.equals(event.key()) && seen.add(event.ceId())) {
                    JsonNode value = JSON.readTree(event.value());
                    ((com.fasterxml.jackson.databind.node.ObjectNode) value).put("ce_type", event.type());
                    events.add(value);
                }
            }
            outcomes.add(new Outcome(connection, finch("GET", "/_control/connections/" + connection.id, null), atService,
                    events, link));
        }
        return outcomes;
    }

    private record Answer(int status, String body) {
    }

    private JsonNode finch(String method, String path, String body) throws Exception {
        Answer answer = finchAnswer(method, path, body);
        if (answer.status / 100 != 2) {
            throw new IllegalStateException("simulator " + method + " " + path + ": " + answer.status + " " + answer.body);
        }
        return JSON.readTree(answer.body);
    }

    private Answer finchAnswer(String method, String path, String body) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(TestStack.get().finchBaseUrl() + path))
                .timeout(Duration.ofSeconds(30)).header("Content-Type", "application/json")
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        return new Answer(response.statusCode(), response.body());
    }

    private static String encode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }
}
