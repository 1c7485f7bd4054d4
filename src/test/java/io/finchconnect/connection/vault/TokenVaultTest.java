package io.finchconnect.connection.vault;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Base64;

import org.junit.jupiter.api.Test;

class TokenVaultTest {

    private static final String OLD_KEY = randomKey();
    private static final String NEW_KEY = randomKey();
    private static final String TOKEN = "tok_" + "a1b2c3d4e5f6a7b8c9d0";

    @Test
    void decryptsWhatItEncrypted() {
        TokenVault vault = vault("k1:" + OLD_KEY, "k1");

        EncryptedToken sealed = vault.encrypt(TOKEN);

        assertThat(sealed.keyId()).isEqualTo("k1");
        assertThat(vault.decrypt(sealed)).isEqualTo(TOKEN);
    }

    @Test
    void tokensSealedBeforeARotationStillDecryptAndNewOnesUseTheNewKey() {
        EncryptedToken beforeRotation = vault("k1:" + OLD_KEY, "k1").encrypt(TOKEN);
        TokenVault rotated = vault("k2:" + NEW_KEY + ",k1:" + OLD_KEY, "k2");

        EncryptedToken afterRotation = rotated.encrypt(TOKEN);

        assertThat(rotated.decrypt(beforeRotation)).isEqualTo(TOKEN);
        assertThat(afterRotation.keyId()).isEqualTo("k2");
        assertThat(rotated.decrypt(afterRotation)).isEqualTo(TOKEN);
    }

    @Test
    void anAlteredCiphertextIsDetected() {
        TokenVault vault = vault("k1:" + OLD_KEY, "k1");
        byte[] bytes = vault.encrypt(TOKEN).ciphertext();
        bytes[bytes.length / 2] ^= 0x01;

        assertThatThrownBy(() -> vault.decrypt(new EncryptedToken("k1", bytes)))
                .isInstanceOf(TokenVaultException.class)
                .hasMessageContaining("failed authentication");
    }

    @Test
    void aCiphertextRelabelledWithAnotherKeyIdIsDetected() {
        TokenVault vault = vault("k1:" + OLD_KEY + ",k2:" + OLD_KEY, "k1");
        EncryptedToken sealed = vault.encrypt(TOKEN);

        assertThatThrownBy(() -> vault.decrypt(new EncryptedToken("k2", sealed.ciphertext())))
                .isInstanceOf(TokenVaultException.class);
    }

    @Test
    void anUnknownKeyIdIsNamedWithoutKeyMaterial() {
        EncryptedToken sealed = vault("gone:" + OLD_KEY, "gone").encrypt(TOKEN);
        TokenVault vault = vault("k2:" + NEW_KEY, "k2");

        assertThatThrownBy(() -> vault.decrypt(sealed))
                .isInstanceOf(TokenVaultException.class)
                .hasMessageContaining("'gone'")
                .hasMessageNotContaining(OLD_KEY)
                .hasMessageNotContaining(NEW_KEY);
    }

    @Test
    void aTruncatedCiphertextIsRejected() {
        TokenVault vault = vault("k1:" + OLD_KEY, "k1");

        assertThatThrownBy(() -> vault.decrypt(new EncryptedToken("k1", new byte[5])))
                .isInstanceOf(TokenVaultException.class);
    }

    @Test
    void everyEncryptionUsesAFreshIv() {
        TokenVault vault = vault("k1:" + OLD_KEY, "k1");

        byte[] first = vault.encrypt(TOKEN).ciphertext();
        byte[] second = vault.encrypt(TOKEN).ciphertext();

        assertThat(java.util.Arrays.copyOf(first, 12)).isNotEqualTo(java.util.Arrays.copyOf(second, 12));
        assertThat(first).isNotEqualTo(second);
        assertThat(first).hasSize(12 + TOKEN.length() + 16);
    }

    @Test
    void theCiphertextDoesNotContainThePlaintext() {
        EncryptedToken sealed = vault("k1:" + OLD_KEY, "k1").encrypt(TOKEN);

        String asLatin1 = new String(sealed.ciphertext(), StandardCharsets.ISO_8859_1);
        assertThat(asLatin1).doesNotContain(TOKEN).doesNotContain(TOKEN.substring(0, 8));
        assertThat(sealed.toString()).doesNotContain(TOKEN);
    }

    private static TokenVault vault(String keys, String activeKeyId) {
        return new TokenVault(TokenVaultKeys.parse(keys, activeKeyId));
    }

    private static String randomKey() {
        byte[] key = new byte[32];
        new SecureRandom().nextBytes(key);
        return Base64.getEncoder().encodeToString(key);
    }
}
