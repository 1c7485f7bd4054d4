package io.finchconnect.e2e;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.finchconnect.testing.EventTopic;
import io.finchconnect.testing.EventTopic.Event;
import io.finchconnect.testing.Sql;
import io.finchconnect.testing.TestStack;
import io.quarkus.test.junit.QuarkusTest;

/**
 * The redirect flow as an employer lives it, in Debian's Chromium: a session link from the service, the
 * simulator's Connect page (pick a provider, authorize), the redirect to our callback, the connection stored and
 * {@code finch.connection.established} on Kafka with every CloudEvents header and data field, and no token.
 * Skipped outside CI where no Chromium is installed; in CI ({@code CI=true}) it always runs.
 */
@QuarkusTest
class ConnectInBrowserTest {

    private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    private static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
    private static EventTopic topic;

    @BeforeAll
    static void subscribe() {
        topic = new EventTopic("finch.connection-events");
    }

    @AfterAll
    static void unsubscribe() {
        topic.close();
    }

    @Test
    void anEmployerConnectsThroughTheConnectPageInABrowser() throws Exception {
        boolean installed = Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER);
        if (!"true".equals(System.getenv("CI"))) {
            Assumptions.assumeTrue(installed, "Chromium not found; install it with: apt-get install chromium chromium-driver");
        }
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
