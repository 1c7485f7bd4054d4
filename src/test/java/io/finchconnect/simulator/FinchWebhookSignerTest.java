package io.finchconnect.simulator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

/**
 * Known vectors computed with openssl, independently of the Java code. The secret is base64 of the ASCII text
 * {@code simulator-test-vector-key-0123456789}, whose hex is {@value #SECRET_HEX}. Each expected value came from
 * <pre>
 * printf '%s' '&lt;id&gt;.&lt;timestamp&gt;.&lt;body&gt;' | openssl dgst -sha256 -mac HMAC -macopt hexkey:$SECRET_HEX -binary | base64
 * </pre>
 */
class FinchWebhookSignerTest {

    private static final String SECRET_BASE64 = "c2ltdWxhdG9yLXRlc3QtdmVjdG9yLWtleS0wMTIzNDU2Nzg5";
    private static final String SECRET_HEX = "73696d756c61746f722d746573742d766563746f722d6b65792d30313233343536373839";

    @Test
    void signsTheShortVector() {
        // printf '%s' 'msg_x.1700000000.{"a":1}' | openssl dgst -sha256 -mac HMAC -macopt hexkey:$SECRET_HEX -binary | base64
        assertEquals("v1,Wh5kmy13jdSOjdQD+9YPRrdTDogngK54fI9zsAE6cus=",
                FinchWebhookSigner.sign(SECRET_BASE64, "msg_x", 1_700_000_000L, "{\"a\":1}"));
    }

    @Test
    void signsAnAccountUpdatedBody() {
        // printf '%s' 'msg_2SFMDibF3lmRw8DzX4t1JjiEZQl.1700000000.{"connection_id":"c-1","event_type":"account.updated","data":{"status":"reauth"}}' \
        //   | openssl dgst -sha256 -mac HMAC -macopt hexkey:$SECRET_HEX -binary | base64
        String body = "{\"connection_id\":\"c-1\",\"event_type\":\"account.updated\",\"data\":{\"status\":\"reauth\"}}";
        assertEquals("v1,QWyFSJsir6E1G8b0W4R0tZyJgCuNMLlao5OhT2h+ehY=",
                FinchWebhookSigner.sign(SECRET_BASE64, "msg_2SFMDibF3lmRw8DzX4t1JjiEZQl", 1_700_000_000L, body));
    }

    @Test
    void signsTheBodyAsUtf8() {
        // printf '%s' 'msg_x.1700000000.{"name":"Café"}' | openssl dgst -sha256 -mac HMAC -macopt hexkey:$SECRET_HEX -binary | base64
        // (run in a UTF-8 shell: the é is the two bytes c3 a9)
        assertEquals("v1,jBI2MTXpmGE0ToBAwcdAmUD51CtUZfNZw8DUggNCbMk=",
                FinchWebhookSigner.sign(SECRET_BASE64, "msg_x", 1_700_000_000L, "{\"name\":\"Caf\u00e9\"}"));
    }

    @Test
    void rejectsASecretThatIsNotCanonicalBase64() {
        assertThrows(IllegalArgumentException.class, () -> FinchWebhookSigner.sign("not base64!", "msg_x", 1L, "{}"));
        assertThrows(IllegalArgumentException.class, () -> FinchWebhookSigner.sign("", "msg_x", 1L, "{}"));
    }
}
