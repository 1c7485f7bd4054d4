package io.finchconnect.webhook;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;

import org.junit.jupiter.api.Test;

import io.finchconnect.webhook.FinchSignatureVerifier.InvalidSignatureException;

class FinchSignatureVerifierTest {

    /*
     * Computed with openssl, not with our code:
     *   HEX=3f1b5e7a9c2d4e6f8a0b1c2d3e4f5061728394a5b6c7d8e9fa0b1c2d3e4f5061
     *   echo -n $HEX | xxd -r -p | base64                                   -> SECRET
     *   printf '%s' "$ID.$TIMESTAMP.$BODY" | openssl dgst -sha256 -mac HMAC -macopt hexkey:$HEX -binary | base64
     */
    private static final String SECRET = "PxteepwtTm+KCxwtPk9QYXKDlKW2x9jp+gscLT5PUGE=";
    private static final String ID = "msg_2SFMDibF3lmRw8DzX4t1JjiEZQl";
    private static final String TIMESTAMP = "1764393600";
    private static final byte[] BODY = "{\"connection_id\":\"c1\",\"event_type\":\"account.updated\",\"data\":{\"status\":\"reauth\"}}"
            .getBytes(StandardCharsets.UTF_8);
    private static final String SIGNATURE = "v1,tH4sz5xsCW20cvOnVO0XzHXFULKgVoU+mD68zpOuteY=";
    private static final Instant SENT = Instant.ofEpochSecond(1764393600);

    private final FinchSignatureVerifier verifier = new FinchSignatureVerifier(List.of(SECRET));

    @Test
    void acceptsTheIndependentlyComputedSignature() {
        assertThat(verifier.verify(ID, TIMESTAMP, SIGNATURE, BODY, SENT.plusSeconds(30))).isEqualTo(SENT);
    }

    @Test
    void acceptsAnyV1SignatureOfTheHeaderAndAnyConfiguredSecret() {
        FinchSignatureVerifier rotating = new FinchSignatureVerifier(List.of("b2xkLXNlY3JldC1vbGQtc2VjcmV0LW9sZC1zZWNyZXQ=", SECRET));
        String header = "v0,c29tZXRoaW5nIGVsc2U= v1,AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA= " + SIGNATURE;

        assertThat(rotating.verify(ID, TIMESTAMP, header, BODY, SENT)).isEqualTo(SENT);
    }

    @Test
    void rejectsABodyChangedByOneByte() {
        byte[] changed = BODY.clone();
        changed[changed.length - 3] = 'X';
        assertThatThrownBy(() -> verifier.verify(ID, TIMESTAMP, SIGNATURE, changed, SENT))
                .isInstanceOf(InvalidSignatureException.class);
    }

    @Test
    void rejectsAnotherEventIdOrTimestampUnderTheSameSignature() {
        assertThatThrownBy(() -> verifier.verify("msg_other", TIMESTAMP, SIGNATURE, BODY, SENT))
                .isInstanceOf(InvalidSignatureException.class);
        assertThatThrownBy(() -> verifier.verify(ID, "1764393601", SIGNATURE, BODY, SENT))
                .isInstanceOf(InvalidSignatureException.class);
    }

    @Test
    void rejectsTimestampsMoreThanFiveMinutesOldOrAhead() {
        assertThat(verifier.verify(ID, TIMESTAMP, SIGNATURE, BODY, SENT.plusSeconds(300))).isEqualTo(SENT);
        assertThatThrownBy(() -> verifier.verify(ID, TIMESTAMP, SIGNATURE, BODY, SENT.plusSeconds(301)))
                .isInstanceOf(InvalidSignatureException.class).hasMessageContaining("window");
        assertThatThrownBy(() -> verifier.verify(ID, TIMESTAMP, SIGNATURE, BODY, SENT.minusSeconds(301)))
                .isInstanceOf(InvalidSignatureException.class).hasMessageContaining("window");
    }

    @Test
    void rejectsMissingHeadersAndSignaturesOfOtherVersions() {
        assertThatThrownBy(() -> verifier.verify(null, TIMESTAMP, SIGNATURE, BODY, SENT)).isInstanceOf(InvalidSignatureException.class);
        assertThatThrownBy(() -> verifier.verify(ID, "", SIGNATURE, BODY, SENT)).isInstanceOf(InvalidSignatureException.class);
        assertThatThrownBy(() -> verifier.verify(ID, TIMESTAMP, " ", BODY, SENT)).isInstanceOf(InvalidSignatureException.class);
        assertThatThrownBy(() -> verifier.verify(ID, TIMESTAMP, SIGNATURE.replace("v1,", "v2,"), BODY, SENT))
                .isInstanceOf(InvalidSignatureException.class);
        assertThatThrownBy(() -> verifier.verify(ID, "yesterday", SIGNATURE, BODY, SENT)).isInstanceOf(InvalidSignatureException.class);
        // A number, but past the last instant Java can represent: still just a wrong timestamp.
        assertThatThrownBy(() -> verifier.verify(ID, String.valueOf(Long.MAX_VALUE), SIGNATURE, BODY, SENT))
                .isInstanceOf(InvalidSignatureException.class);
    }
}
