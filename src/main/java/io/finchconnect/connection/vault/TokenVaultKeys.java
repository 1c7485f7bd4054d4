package io.finchconnect.connection.vault;

import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;

import javax.crypto.SecretKey;
import javax.crypto.spec.SecretKeySpec;

/**
 * The parsed, validated vault keys. Error messages name the key id, never the key.
 */
public record TokenVaultKeys(Map<String, SecretKey> keys, String activeKeyId) {

    public static TokenVaultKeys parse(String keyList, String activeKeyId) {
        Map<String, SecretKey> keys = new LinkedHashMap<>();
        for (String entry : keyList.split(",")) {
            String trimmed = entry.trim();
            int colon = trimmed.indexOf(':');
            if (colon <= 0 || colon == trimmed.length() - 1) {
                throw new IllegalArgumentException("token-vault.keys: each entry must be key-id:base64-key");
            }
            String id = trimmed.substring(0, colon);
            byte[] key;
            try {
                key = Base64.getDecoder().decode(trimmed.substring(colon + 1));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("token-vault.keys: key '" + id + "' is not valid base64");
            }
            if (key.length != 32) {
                throw new IllegalArgumentException("token-vault.keys: key '" + id + "' must be 256 bits (32 bytes)");
            }
            if (keys.put(id, new SecretKeySpec(key, "AES")) != null) {
                throw new IllegalArgumentException("token-vault.keys: key id '" + id + "' appears twice");
            }
        }
        if (!keys.containsKey(activeKeyId)) {
            throw new IllegalArgumentException("token-vault.active-key-id '" + activeKeyId + "' is not among token-vault.keys");
        }
        return new TokenVaultKeys(Map.copyOf(keys), activeKeyId);
    }
}
