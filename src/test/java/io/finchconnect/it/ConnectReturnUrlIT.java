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
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.ObjectMapper;

import io.finchconnect.testing.Finch;
import io.finchconnect.testing.ServiceProcess;
import io.finchconnect.testing.TestStack;

/**
 * With {@code CONNECT_RETURN_URL} set, the employer's browser goes back to the platform (303) instead of a page: from
 * the callback with the flow's outcome, and from a durable link whose customer is connected and healthy, with
 * {@code outcome=already_connected} and no Finch call. A process of its own: the {@code @QuarkusTest}s read the
 * callback's page, so their profile sets no return URL.
 */
class ConnectReturnUrlIT {

    private static final String RETURN_URL = "https://platform.example/connected?from=email";
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void theCallbackAndALinkOfAConnectedCustomerSendTheBrowserBackToThePlatform() throws Exception {
        Map<String, String> environment = new HashMap<>(ServiceProcess.environmentFor(TestStack.get()));
        environment.put("CONNECT_RETURN_URL", RETURN_URL);
        try (ServiceProcess service = ServiceProcess.start(environment, "return-url")) {
            service.awaitReady();
            String customerId = "cust-" + UUID.randomUUID();
            String writer = TestStack.get().jwt().token("sessions:write");
            assertThat(post(service.url("/v1/connect/sessions"), writer, Map.of("customer_id", customerId, "customer_name",
                    "Returning Payroll Inc", "products", List.of("company", "directory"), "redirect_uri", TestStack.REDIRECT_URI))
                    .statusCode()).isEqualTo(201);
            HttpResponse<String> created = post(service.url("/v1/customers/" + customerId + "/connect-links"), writer, Map.of());
            assertThat(created.statusCode()).isEqualTo(201);
            // The link is built on the stack's origin, not this process's: the same token, on this process.
            String url = JSON.readTree(created.body()).get("url").asText();
            String link = service.url("/connect/" + url.substring(url.lastIndexOf('/') + 1));

            String toFinch = location(get(link), "a visit of a customer not yet connected");
            assertThat(toFinch).startsWith(TestStack.get().finchBaseUrl());
            String code = Finch.completeSession(toFinch.replaceAll(".*[?&]session=([^&]*).*", "$1")).code();
            String state = URLDecoder.decode(toFinch.replaceAll(".*[?&]state=([^&]*).*", "$1"), StandardCharsets.UTF_8);
            String back = location(get(service.url("/v1/connect/callback?code=" + encode(code) + "&state=" + encode(state))),
                    "the callback");
            assertThat(back).startsWith(RETURN_URL + "&outcome=established&customer_id=" + encode(customerId)
                    + "&connection_id=");

            Finch.aboutCustomer(customerId).resetRequests();
            assertThat(location(get(link), "a visit of a connected customer"))
                    .isEqualTo(RETURN_URL + "&outcome=already_connected&customer_id=" + encode(customerId));
            assertThat(Finch.aboutCustomer(customerId).requests("connect.sessions")).as("no Finch call").isZero();
            assertThat(Finch.aboutCustomer(customerId).requests("connect.sessions.reauthenticate")).as("no Finch call").isZero();
        }
    }

    private static String location(HttpResponse<String> response, String what) {
        assertThat(response.statusCode()).as(what).isEqualTo(303);
        return response.headers().firstValue("Location").orElseThrow();
    }

    private static HttpResponse<String> get(String url) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(15)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static HttpResponse<String> post(String url, String bearerToken, Map<String, Object> body) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(url)).header("Authorization", "Bearer " + bearerToken)
                .header("Content-Type", "application/json").timeout(Duration.ofSeconds(15))
                .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body))).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static String encode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }
}
