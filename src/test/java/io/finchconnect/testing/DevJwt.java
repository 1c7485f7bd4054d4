package io.finchconnect.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.NoSuchAlgorithmException;
import java.security.PrivateKey;
import java.security.spec.InvalidKeySpecException;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Duration;
import java.util.Base64;
import java.util.Set;

import io.smallrye.jwt.build.Jwt;

/**
 * A signing key pair for local runs and tests, kept in a folder (never committed), and bearer tokens signed
 * with it. The service only ever sees the public key.
 */
public final class DevJwt {

    public static final String ISSUER = "https://finch-connect-service.local/dev";
    /** The audience the production configuration requires (MP_JWT_VERIFY_AUDIENCES); every dev token names it. */
    public static final String AUDIENCE = "finch-connect-service";

    private final PrivateKey privateKey;
    private final Path publicKeyFile;

    private DevJwt(PrivateKey privateKey, Path publicKeyFile) {
        this.privateKey = privateKey;
        this.publicKeyFile = publicKeyFile;
    }

    /**
     * Loads the key pair from {@code folder}, creating it the first time. Test JVMs may start side by side (the ITs
     * run in two): a pair is written to a folder of its own and renamed into place, so every JVM reads one pair.
     */
    public static DevJwt inFolder(Path folder) {
        try {
            Path privateFile = folder.resolve("dev-jwt-private.pk8");
            Path publicFile = folder.resolve("dev-jwt-public.pem");
            if (!Files.exists(privateFile) || !Files.exists(publicFile)) {
                Files.createDirectories(folder.getParent());
                Path draft = Files.createTempDirectory(folder.getParent(), folder.getFileName() + "-draft-");
                KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
                generator.initialize(2048);
                KeyPair pair = generator.generateKeyPair();
                Files.write(draft.resolve(privateFile.getFileName()), pair.getPrivate().getEncoded());
                Files.writeString(draft.resolve(publicFile.getFileName()), "-----BEGIN PUBLIC KEY-----\n"
                        + Base64.getMimeEncoder(64, "\n".getBytes()).encodeToString(pair.getPublic().getEncoded())
                        + "\n-----END PUBLIC KEY-----\n");
                try {
                    Files.move(draft, folder, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
                } catch (java.nio.file.FileSystemException lost) {
                    if (!Files.exists(privateFile) || !Files.exists(publicFile)) {
                        throw lost;
                    }
                    // Another JVM's pair is in place: use that one.
                    Files.delete(draft.resolve(privateFile.getFileName()));
                    Files.delete(draft.resolve(publicFile.getFileName()));
                    Files.delete(draft);
                }
            }
            PrivateKey key = KeyFactory.getInstance("RSA").generatePrivate(new PKCS8EncodedKeySpec(Files.readAllBytes(privateFile)));
            return new DevJwt(key, publicFile);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (NoSuchAlgorithmException | InvalidKeySpecException e) {
            throw new IllegalStateException(e);
        }
    }

    public Path publicKeyFile() {
        return publicKeyFile;
    }

    public String token(String subject, Set<String> roles, Duration lifetime) {
        return Jwt.issuer(ISSUER).subject(subject).upn(subject).groups(roles).audience(AUDIENCE).expiresIn(lifetime)
                .sign(privateKey);
    }

    /** A token without an {@code aud} claim. */
    public String tokenWithoutAudience(String... roles) {
        return Jwt.issuer(ISSUER).subject("test-client").upn("test-client").groups(Set.of(roles))
                .expiresIn(Duration.ofHours(1)).sign(privateKey);
    }

    /** A token for {@code subject} with {@code roles} in {@code groups}, and {@code aud} when audiences are given. */
    public String token(String subject, Set<String> roles, Set<String> audiences, Duration lifetime) {
        var claims = Jwt.issuer(ISSUER).subject(subject).upn(subject).groups(roles);
        if (!audiences.isEmpty()) {
            claims.audience(audiences);
        }
        return claims.expiresIn(lifetime).sign(privateKey);
    }

    /** A token whose {@code aud} claim names {@code audiences}. */
    public String tokenFor(Set<String> audiences, String... roles) {
        return Jwt.issuer(ISSUER).subject("test-client").upn("test-client").groups(Set.of(roles)).audience(audiences)
                .expiresIn(Duration.ofHours(1)).sign(privateKey);
    }

    public String token(String... roles) {
        return token("test-client", Set.of(roles), Duration.ofHours(1));
    }
}
