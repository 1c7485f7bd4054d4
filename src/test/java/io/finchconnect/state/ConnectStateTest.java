package io.finchconnect.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.Base64;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.ObjectMapper;

import io.finchconnect.state.ConnectState.Claims;
import io.finchconnect.state.ConnectState.InvalidStateException;

class ConnectStateTest {

    private static final byte[] KEY = new SecureRandom().generateSeed(32);
    private static final Instant NOW = Instant.parse("2026-12-01T10:00:00Z");

    private final ConnectState codec = new ConnectState(KEY);
    private final Claims claims = Claims.issue("acme-customer-4711", "sess-9f8e7d6c", "caller-own-state-42", NOW.plusSeconds(600));

    @Test
    void aSealedStateRevealsNeitherOurIdsNorTheCallersStateAndRoundTrips() {
        String state = codec.seal(claims);

        assertThat(state).matches("[A-Za-z0-9_-]+");
        String decoded = new String(Base64.getUrlDecoder().decode(state), StandardCharsets.ISO_8859_1);
        for (String secret : new String[] { claims.customerId(), claims.sessionId(), claims.callerState(), claims.stateId(),
                "acme", "sess", "caller", "\"c\"", String.valueOf(claims.expiresAt()) }) {
            assertThat(state).doesNotContain(secret);
            assertThat(decoded).doesNotContain(secret);
        }
        assertThat(codec.verify(state, NOW)).isEqualTo(claims);
    }

    @Test
    void theSameClaimsSealTwiceToDifferentStates() {
        assertThat(codec.seal(claims)).isNotEqualTo(codec.seal(claims));
    }

    @Test
    void aTamperedStateIsRefused() {
        String state = codec.seal(claims);
        for (int position : new int[] { 0, state.length() / 2, state.length() - 1 }) {
            char[] chars = state.toCharArray();
            chars[position] = chars[position] == 'A' ? 'B' : 'A';
            String tampered = new String(chars);
            assertThatThrownBy(() -> codec.verify(tampered, NOW)).isInstanceOf(InvalidStateException.class)
                    .extracting(e -> ((InvalidStateException) e).reason()).isEqualTo("invalid_state");
        }
        assertThatThrownBy(() -> codec.verify(state.substring(0, state.length() - 4), NOW)).isInstanceOf(InvalidStateException.class);
        assertThatThrownBy(() -> codec.verify("", NOW)).isInstanceOf(InvalidStateException.class);
        assertThatThrownBy(() -> codec.verify("!!!", NOW)).isInstanceOf(InvalidStateException.class);
    }

    @Test
    void aStateSealedWithAnotherKeyIsRefused() {
        String forged = new ConnectState(new SecureRandom().generateSeed(32)).seal(claims);

        assertThatThrownBy(() -> codec.verify(forged, NOW)).isInstanceOf(InvalidStateException.class)
                .extracting(e -> ((InvalidStateException) e).reason()).isEqualTo("invalid_state");
    }

    @Test
    void anExpiredStateIsRefusedAsExpired() {
        String state = codec.seal(claims);

        assertThatThrownBy(() -> codec.verify(state, NOW.plusSeconds(601))).isInstanceOf(InvalidStateException.class)
                .extracting(e -> ((InvalidStateException) e).reason()).isEqualTo("expired_state");
    }

    /** Links handed out before states were encrypted keep working until they expire; a forged one of that form does not. */
    @Test
    void aStateSignedBeforeEncryptionIsStillHonouredAndItsForgeryRefused() throws Exception {
        String payload = Base64.getUrlEncoder().withoutPadding().encodeToString(new ObjectMapper().writeValueAsBytes(claims));
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(KEY, "HmacSHA256"));
        String signature = Base64.getUrlEncoder().withoutPadding().encodeToString(mac.doFinal(payload.getBytes(StandardCharsets.US_ASCII)));

        assertThat(codec.verify(payload + "." + signature, NOW)).isEqualTo(claims);
        String otherPayload = Base64.getUrlEncoder().withoutPadding().encodeToString(new ObjectMapper()
                .writeValueAsBytes(Claims.issue("someone-else", "s", null, NOW.plusSeconds(600))));
        assertThatThrownBy(() -> codec.verify(otherPayload + "." + signature, NOW)).isInstanceOf(InvalidStateException.class);
    }
}
