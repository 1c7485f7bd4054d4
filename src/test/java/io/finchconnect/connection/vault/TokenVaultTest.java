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
    private static final String CONNECTION = "c5a0e4b2-1f7e-4c4e-9a51-2b7c1d0e9f11";

    @Test
    void decryptsWhatItEncrypted() {
        TokenVault vault = vault("k1:" + OLD_KEY, "k1");

        EncryptedToken sealed = vault.encrypt(CONNECTION, TOKEN);

        assertThat(sealed.keyId()).isEqualTo("k1");
        assertThat(vault.decrypt(CONNECTION, sealed)).isEqualTo(TOKEN);
    }

    @Test
    void tokensSealedBeforeARotationStillDecryptAndNewOnesUseTheNewKey() {
        EncryptedToken beforeRotation = vault("k1:" + OLD_KEY, "k1").encrypt(CONNECTION, TOKEN);
        TokenVault rotated = vault("k2:" + NEW_KEY + ",k1:" + OLD_KEY, "k2");

        EncryptedToken afterRotation = rotated.encrypt(CONNECTION, TOKEN);

        assertThat(rotated.decrypt(CONNECTION, beforeRotation)).isEqualTo(TOKEN);
        assertThat(afterRotation.keyId()).isEqualTo("k2");
        assertThat(rotated.decrypt(CONNECTION, afterRotation)).isEqualTo(TOKEN);
    }

    @Test
    void anAlteredCiphertextIsDetected() {
        TokenVault vault = vault("k1:" + OLD_KEY, "k1");
        byte[] bytes = vault.encrypt(CONNECTION, TOKEN).ciphertext();
        bytes[bytes.length / 2] ^= 0x01;

        assertThatThrownBy(() -> vault.decrypt(CONNECTION, new EncryptedToken("k1", bytes, TokenFormat.CONNECTION_BOUND)))
                .isInstanceOf(TokenVaultException.class)
                .hasMessageContaining("failed authentication");
    }

    @Test
    void aCiphertextRelabelledWithAnotherKeyIdIsDetected() {
        TokenVault vault = vault("k1:" + OLD_KEY + ",k2:" + OLD_KEY, "k1");
        EncryptedToken sealed = vault.encrypt(CONNECTION, TOKEN);

        assertThatThrownBy(() -> vault.decrypt(CONNECTION, new EncryptedToken("k2", sealed.ciphertext(), sealed.format())))
                .isInstanceOf(TokenVaultException.class);
    }

    @Test
    void anUnknownKeyIdIsNamedWithoutKeyMaterial() {
        EncryptedToken sealed = vault("gone:" + OLD_KEY, "gone").encrypt(CONNECTION, TOKEN);
        TokenVault vault = vault("k2:" + NEW_KEY, "k2");

        assertThatThrownBy(() -> vault.decrypt(CONNECTION, sealed))
                .isInstanceOf(TokenVaultException.class)
                .hasMessageContaining("'gone'")
                .hasMessageNotContaining(OLD_KEY)
                .hasMessageNotContaining(NEW_KEY);
    }

    @Test
    void aTruncatedCiphertextIsRejected() {
        TokenVault vault = vault("k1:" + OLD_KEY, "k1");

        assertThatThrownBy(() -> vault.decrypt(CONNECTION, new EncryptedToken("k1", new byte[5], TokenFormat.CONNECTION_BOUND)))
                .isInstanceOf(TokenVaultException.class);
    }

    @Test
    void everyEncryptionUsesAFreshIv() {
        TokenVault vault = vault("k1:" + OLD_KEY, "k1");

        byte[] first = vault.encrypt(CONNECTION, TOKEN).ciphertext();
        byte[] second = vault.encrypt(CONNECTION, TOKEN).ciphertext();

        assertThat(java.util.Arrays.copyOf(first, 12)).isNotEqualTo(java.util.Arrays.copyOf(second, 12));
        assertThat(first).isNotEqualTo(second);
        assertThat(first).hasSize(12 + TOKEN.length() + 16);
    }

    @Test
    void theCiphertextDoesNotContainThePlaintext() {
        EncryptedToken sealed = vault("k1:" + OLD_KEY, "k1").encrypt(CONNECTION, TOKEN);

        String asLatin1 = new String(sealed.ciphertext(), StandardCharsets.ISO_8859_1);
        assertThat(asLatin1).doesNotContain(TOKEN).doesNotContain(TOKEN.substring(0, 8));
        assertThat(sealed.toString()).doesNotContain(TOKEN);
    }

    @Test
    void aCiphertextCopiedToAnotherConnectionDoesNotDecrypt() {
        TokenVault vault = vault("k1:" + OLD_KEY, "k1");
        EncryptedToken sealed = vault.encrypt(CONNECTION, TOKEN);

        assertThat(sealed.format()).isEqualTo(TokenFormat.CONNECTION_BOUND);
        assertThatThrownBy(() -> vault.decrypt("another-connection", sealed))
                .isInstanceOf(TokenVaultException.class)
                .hasMessageContaining("another connection")
                .hasMessageNotContaining(TOKEN);
    }

    @Test
    void aCiphertextCannotBePassedOffAsBoundToItsKeyIdOnly() {
        TokenVault vault = vault("k1:" + OLD_KEY, "k1");
        EncryptedToken sealed = vault.encrypt(CONNECTION, TOKEN);

        assertThatThrownBy(() -> vault.decrypt(CONNECTION, new EncryptedToken("k1", sealed.ciphertext(), TokenFormat.KEY_ID_BOUND)))
                .isInstanceOf(TokenVaultException.class);
    }

    @Test
    void aTokenSealedBeforeConnectionBindingStillDecryptsAndIsNotCurrent() throws Exception {
        TokenVault vault = vault("k1:" + OLD_KEY, "k1");
        EncryptedToken legacy = sealedAsBeforeV11("k1", OLD_KEY, TOKEN);

        assertThat(vault.decrypt(CONNECTION, legacy)).isEqualTo(TOKEN);
        assertThat(vault.decrypt("any-connection", legacy)).isEqualTo(TOKEN);
        assertThat(vault.isCurrent(legacy)).isFalse();
        assertThat(vault.isCurrent(vault.encrypt(CONNECTION, TOKEN))).isTrue();
        assertThat(vault("k2:" + NEW_KEY + ",k1:" + OLD_KEY, "k2").isCurrent(vault.encrypt(CONNECTION, TOKEN))).isFalse();
    }

    /** The format of every token stored before V11, written independently of the vault: AAD = key id only. */
    static EncryptedToken sealedAsBeforeV11(String keyId, String base64Key, String token) throws Exception {
        byte[] iv = new byte[12];
        new SecureRandom().nextBytes(iv);
        javax.crypto.Cipher cipher = javax.crypto.Cipher.getInstance("AES/GCM/NoPadding");
        cipher.init(javax.crypto.Cipher.ENCRYPT_MODE, new javax.crypto.spec.SecretKeySpec(Base64.getDecoder().decode(base64Key), "AES"),
                new javax.crypto.spec.GCMParameterSpec(128, iv));
        cipher.updateAAD(keyId.getBytes(StandardCharsets.UTF_8));
        byte[] sealed = cipher.doFinal(token.getBytes(StandardCharsets.UTF_8));
        byte[] stored = java.nio.ByteBuffer.allocate(iv.length + sealed.length).put(iv).put(sealed).array();
        return new EncryptedToken(keyId, stored, TokenFormat.KEY_ID_BOUND);
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
