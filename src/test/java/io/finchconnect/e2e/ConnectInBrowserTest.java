package io.finchconnect.e2e;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.openqa.selenium.By;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.finchconnect.testing.EventTopic.Event;
import io.finchconnect.testing.EventTopicExtension;
import io.finchconnect.testing.Finch;
import io.finchconnect.testing.NodeHarness;
import io.finchconnect.testing.Sql;
import io.finchconnect.testing.TestStack;
import io.quarkus.test.junit.QuarkusTest;

/**
 * The redirect flow as an employer lives it, in Debian's Chromium: a session link from the service, the
 * simulator's Connect page (pick a provider, authorize), the redirect to our callback, the connection stored and
 * {@code finch.connection.established} on Kafka with every CloudEvents header and data field, and no token.
 * And the embedded flow as a front end builds it: a page bundled from Finch's official
 * {@code @tryfinch/react-connect} (src/test/contract/page), its {@code connectUrl} pointed at the simulator,
 * receiving {@code onSuccess}, {@code onClose} and {@code onError} from the simulator's Connect page in the SDK's
 * iframe. And an emailed durable link ({@code /connect/{link}}), opened again after a failed attempt and once more
 * after the connection is made. Skipped outside CI where no Chromium (or Node.js) is installed; in CI
 * ({@code CI=true}) they always run.
 */
@QuarkusTest
class ConnectInBrowserTest {

    private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    private static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
    @RegisterExtension
    static final EventTopicExtension topic = new EventTopicExtension("finch.connection-events");

    @Test
    void anEmployerConnectsThroughTheConnectPageInABrowser() throws Exception {
        assumeChromium();
        String customerId = "cust-" + UUID.randomUUID();
        String connectUrl = given().auth().oauth2(TestStack.get().jwt().token("sessions:write")).contentType("application/json")
                .body(Map.of("customer_id", customerId, "customer_name", "Browser Payroll Inc", "products", List.of("company", "directory"),
                        "redirect_uri", TestStack.REDIRECT_URI, "state", "browser-state"))
                .post("/v1/connect/sessions").then().statusCode(201).extract().path("connect_url");

        WebDriver browser = chromium();
        try {
            browser.get(connectUrl);
            new WebDriverWait(browser, Duration.ofSeconds(20)).until(ExpectedConditions.elementToBeClickable(By.id("provider-gusto")))
                    .click();
            browser.findElement(By.id("authorize")).click();
            new WebDriverWait(browser, Duration.ofSeconds(30)).until(ExpectedConditions.presenceOfElementLocated(By.id("outcome")));
            assertThat(browser.getCurrentUrl()).startsWith(TestStack.REDIRECT_URI);
            assertThat(browser.findElement(By.id("outcome")).getText()).isEqualTo("established");
            assertThat(browser.findElement(By.id("state")).getText()).isEqualTo("browser-state");
        } finally {
            browser.quit();
        }

        String connectionId = (String) Sql.single("SELECT connection_id FROM connections WHERE customer_id = ?", customerId);
        Event event = topic.eventsWithKey(Duration.ofSeconds(30), connectionId, 1).get(0);
        assertThat(event.headers()).containsEntry("ce_specversion", "1.0").containsEntry("ce_source", "/finch-connect-service")
                .containsEntry("ce_type", "finch.connection.established").containsEntry("ce_subject", connectionId)
                .containsEntry("content-type", "application/json").containsKeys("ce_id", "ce_time");
        JsonNode data = new ObjectMapper().readTree(event.value());
        assertThat(data.get("connection_id").asText()).isEqualTo(connectionId);
        assertThat(data.get("customer_id").asText()).isEqualTo(customerId);
        assertThat(data.get("customer_name").asText()).isEqualTo("Browser Payroll Inc");
        assertThat(data.get("provider_id").asText()).isEqualTo("gusto");
        for (String field : List.of("company_id", "products", "connection_type", "entity_ids", "connected_at")) {
            assertThat(data.hasNonNull(field)).as(field).isTrue();
        }
        assertThat(event.value() + event.headers()).doesNotContainIgnoringCase("access_token");
    }

    /**
     * An emailed durable link, as the employer lives it: opened, Connect exited; opened again, connected; opened once
     * more later, "already connected" without a Finch call. The failed first attempt is the employer exiting Connect
     * (the Connect page's Exit): nothing was authorized, so Finch's session stays open and the same session serves
     * the next visit, as at real Finch. A failure after authorizing would not do: Finch then has completed the
     * session and granted the connection, so no new session can connect the customer again (a stranded grant, which
     * an operator adopts).
     */
    @Test
    void anEmployerExitsConnectFromAnEmailedLinkThenConnectsThroughTheSameLinkWhichLaterSaysAlreadyConnected()
            throws Exception {
        assumeChromium();
        String customerId = "cust-" + UUID.randomUUID();
        given().auth().oauth2(TestStack.get().jwt().token("sessions:write")).contentType("application/json")
                .body(Map.of("customer_id", customerId, "customer_name", "Emailed Payroll Inc", "products", List.of("company", "directory"),
                        "redirect_uri", TestStack.REDIRECT_URI))
                .post("/v1/connect/sessions").then().statusCode(201);
        String link = given().auth().oauth2(TestStack.get().jwt().token("sessions:write"))
                .post("/v1/customers/" + customerId + "/connect-links").then().statusCode(201).extract().path("url");
        Finch.aboutCustomer(customerId).resetRequests();

        String connectionId;
        WebDriver browser = chromium();
        try {
            browser.get(link);
            new WebDriverWait(browser, Duration.ofSeconds(20)).until(ExpectedConditions.elementToBeClickable(By.id("cancel")))
                    .click();
            new WebDriverWait(browser, Duration.ofSeconds(30)).until(ExpectedConditions.presenceOfElementLocated(By.id("outcome")));
            assertThat(browser.getCurrentUrl()).startsWith(TestStack.REDIRECT_URI);
            assertThat(browser.findElement(By.id("outcome")).getText()).isEqualTo("error");
            assertThat(browser.findElement(By.id("reason")).getText()).isEqualTo("finch_error");
            assertThat(browser.findElement(By.id("finch_error")).getText()).isEqualTo("access_denied");

            browser.get(link);
            new WebDriverWait(browser, Duration.ofSeconds(20)).until(ExpectedConditions.elementToBeClickable(By.id("provider-gusto")))
                    .click();
            browser.findElement(By.id("authorize")).click();
            new WebDriverWait(browser, Duration.ofSeconds(30)).until(ExpectedConditions.textToBePresentInElementLocated(
                    By.id("outcome"), "established"));
            assertThat(browser.getCurrentUrl()).startsWith(TestStack.REDIRECT_URI);
            connectionId = browser.findElement(By.id("connection_id")).getText();
            assertThat(Finch.aboutCustomer(customerId).requests("connect.sessions"))
                    .as("both visits went to the staged session the customer asked for").isZero();

            Finch.aboutCustomer(customerId).resetRequests();
            browser.get(link);
            new WebDriverWait(browser, Duration.ofSeconds(20)).until(ExpectedConditions.textToBePresentInElementLocated(
                    By.id("outcome"), "already_connected"));
            // Compared, not printed: the link's token stays out of the test's output.
            assertThat(browser.getCurrentUrl().equals(link)).as("answered by the link itself, not Finch").isTrue();
        } finally {
            browser.quit();
        }
        assertThat(Finch.aboutCustomer(customerId).requests("connect.sessions")).as("no Finch call").isZero();
        assertThat(Finch.aboutCustomer(customerId).requests("connect.sessions.reauthenticate")).as("no Finch call").isZero();

        assertThat(Sql.single("SELECT customer_id FROM connections WHERE connection_id = ?", connectionId)).isEqualTo(customerId);
        Event event = topic.eventsWithKey(Duration.ofSeconds(30), connectionId, 1).get(0);
        assertThat(event.headers()).containsEntry("ce_type", "finch.connection.established");
        JsonNode data = new ObjectMapper().readTree(event.value());
        assertThat(data.get("customer_id").asText()).isEqualTo(customerId);
        assertThat(data.get("provider_id").asText()).isEqualTo("gusto");
    }

    @Test
    void anEmbeddedFrontEndGetsTheCodeFromReactConnectAndTheServiceStoresTheConnection() throws Exception {
        assumeChromium();
        String customerId = "cust-" + UUID.randomUUID();
        String sessionId = embeddedSession(customerId);

        List<JsonNode> callbacks;
        try (PageServer page = PageServer.start(NodeHarness.built().resolve("build/page"))) {
            WebDriver browser = chromium();
            try {
                openConnect(browser, page, sessionId, "front-end-state");
                authorizeInConnect(browser, "gusto");
                callbacks = callbacks(browser, 1);
                assertThat(browser.findElements(By.id(IFRAME))).as("Connect closes on success").isEmpty();
            } finally {
                browser.quit();
            }
        }

        JsonNode success = callbacks.get(0);
        assertThat(success.get("callback").asText()).isEqualTo("onSuccess");
        assertThat(success.get("state").asText()).isEqualTo("front-end-state");
        String connectionId = given().auth().oauth2(TestStack.get().jwt().token("sessions:write")).contentType("application/json")
                .body(Map.of("code", success.get("code").asText(), "customer_id", customerId))
                .post("/v1/connect/authorizations").then().statusCode(201).extract().path("connection_id");
        assertThat(Sql.single("SELECT customer_id FROM connections WHERE connection_id = ?", connectionId)).isEqualTo(customerId);
        assertThat(Sql.single("SELECT provider_id FROM connections WHERE connection_id = ?", connectionId)).isEqualTo("gusto");
    }

    @Test
    void reactConnectReportsTheEmployersExitAndAProviderFailureThenSucceeds() throws Exception {
        assumeChromium();
        String sessionId = embeddedSession("cust-" + UUID.randomUUID());

        List<JsonNode> callbacks;
        try (PageServer page = PageServer.start(NodeHarness.built().resolve("build/page"))) {
            WebDriver browser = chromium();
            try {
                openConnect(browser, page, sessionId, null);
                inConnect(browser, () -> browser.findElement(By.id("cancel")).click());
                assertThat(callbacks(browser, 1).get(0).get("callback").asText()).isEqualTo("onClose");
                assertThat(browser.findElements(By.id(IFRAME))).as("Connect closes on exit").isEmpty();

                Finch.startProviderOutage("adp_run", "ADP is unreachable");
                try {
                    browser.findElement(By.id("open")).click();
                    authorizeInConnect(browser, "adp_run");
                    JsonNode error = callbacks(browser, 2).get(1);
                    assertThat(error.get("callback").asText()).isEqualTo("onError");
                    assertThat(error.get("errorMessage").asText()).isEqualTo("ADP is unreachable");
                    assertThat(error.get("errorType").asText()).isEqualTo("employer_connection_error");
                    assertThat(browser.findElements(By.id(IFRAME))).as("Connect stays open: shouldClose is false").hasSize(1);
                } finally {
                    Finch.endProviderOutage("adp_run");
                }
                authorizeInConnect(browser, "gusto");
                callbacks = callbacks(browser, 3);
            } finally {
                browser.quit();
            }
        }
        assertThat(callbacks.get(2).get("callback").asText()).isEqualTo("onSuccess");
        assertThat(callbacks.get(2).get("code").asText()).isNotBlank();
        assertThat(callbacks.get(2).has("state")).as("no state was given").isFalse();
    }

    private static final String IFRAME = "finch-connect-iframe";

    private static void assumeChromium() {
        boolean installed = Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER);
        if (!"true".equals(System.getenv("CI"))) {
            Assumptions.assumeTrue(installed, "Chromium not found; install it with: apt-get install chromium chromium-driver");
        }
    }

    /** A session for the embedded flow: no redirect_uri, so the service hands back Finch's own connect_url. */
    private static String embeddedSession(String customerId) {
        return given().auth().oauth2(TestStack.get().jwt().token("sessions:write")).contentType("application/json")
                .body(Map.of("customer_id", customerId, "customer_name", "Embedded Payroll Inc", "products", List.of("company", "directory")))
                .post("/v1/connect/sessions").then().statusCode(201).extract().path("session_id");
    }

    private static void openConnect(WebDriver browser, PageServer page, String sessionId, String state) {
        String url = page.url() + "/index.html?session=" + sessionId + "&connect_url=" + TestStack.get().finchBaseUrl()
                + (state == null ? "" : "&state=" + state);
        browser.get(url);
        new WebDriverWait(browser, Duration.ofSeconds(20)).until(ExpectedConditions.elementToBeClickable(By.id("open"))).click();
    }

    private static void authorizeInConnect(WebDriver browser, String provider) {
        inConnect(browser, () -> {
            new WebDriverWait(browser, Duration.ofSeconds(20))
                    .until(ExpectedConditions.elementToBeClickable(By.id("provider-" + provider))).click();
            browser.findElement(By.id("authorize")).click();
        });
    }

    /** Acts inside the SDK's iframe, where the simulator's Connect page runs, then returns to the host page. */
    private static void inConnect(WebDriver browser, Runnable action) {
        new WebDriverWait(browser, Duration.ofSeconds(20)).until(ExpectedConditions.frameToBeAvailableAndSwitchToIt(By.id(IFRAME)));
        try {
            new WebDriverWait(browser, Duration.ofSeconds(20)).until(ExpectedConditions.presenceOfElementLocated(By.id("connect-form")));
            action.run();
        } finally {
            browser.switchTo().defaultContent();
        }
    }

    /** The SDK callbacks the host page has received, once there are {@code count} of them. */
    private static List<JsonNode> callbacks(WebDriver browser, int count) {
        new WebDriverWait(browser, Duration.ofSeconds(30))
                .until(ExpectedConditions.numberOfElementsToBe(By.cssSelector("#events .event"), count));
        ObjectMapper json = new ObjectMapper();
        return browser.findElements(By.cssSelector("#events .event")).stream().map(element -> {
            try {
                return json.readTree(element.getText());
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }).toList();
    }

    /** The bundled test page, served from its own origin as a front end's would be. */
    private record PageServer(HttpServer server, Path root) implements AutoCloseable {

        static PageServer start(Path root) throws IOException {
            HttpServer server = HttpServer.create(new InetSocketAddress("localhost", 0), 0);
            PageServer page = new PageServer(server, root);
            server.createContext("/", page::serve);
            server.start();
            return page;
        }

        String url() {
            return "http://localhost:" + server.getAddress().getPort();
        }

        private void serve(HttpExchange exchange) throws IOException {
            Path file = root.resolve(exchange.getRequestURI().getPath().substring(1)).normalize();
            if (!file.startsWith(root) || !Files.isRegularFile(file)) {
                exchange.sendResponseHeaders(404, -1);
                exchange.close();
                return;
            }
            byte[] body = Files.readAllBytes(file);
            exchange.getResponseHeaders().set("Content-Type",
                    file.toString().endsWith(".js") ? "text/javascript; charset=utf-8" : "text/html; charset=utf-8");
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        }

        @Override
        public void close() {
            server.stop(0);
        }
    }

    private static WebDriver chromium() {
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        // Without the background-networking flags Chromium keeps trying hosts this closed network refuses.
        options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-dev-shm-usage", "--user-data-dir=" + tempProfile());
        ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(CHROMEDRIVER.toFile())
                .usingAnyFreePort().build();
        return new ChromeDriver(service, options);
    }

    private static String tempProfile() {
        try {
            return Files.createTempDirectory("chromium-profile").toString();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
