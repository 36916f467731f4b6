package io.aiaas.common.auth;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPair;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The per-installation key material of internal tokens as files: one private key per issuing component and one JWKS
 * that every service trusts. Made by the local launcher and by tests; never committed.
 *
 * @param gatewayKey PKCS#8 PEM private key of the gateway
 * @param workerKey PKCS#8 PEM private key of the workers
 * @param jwks public keys of every issuer, each bound to its issuer
 * @param modelServiceKey PKCS#8 PEM private key of model-service (its calls to tenant-service)
 */
public record InternalKeyFiles(Path gatewayKey, Path workerKey, Path jwks, Path modelServiceKey) {

    /** The files in {@code dir}, created there first if missing; existing keys are kept. */
    public static InternalKeyFiles ensure(Path dir) throws IOException {
        Files.createDirectories(dir);
        InternalKeyFiles files = new InternalKeyFiles(
                dir.resolve("gateway-signing-key.pem"),
                dir.resolve("worker-signing-key.pem"),
                dir.resolve("internal-jwks.json"),
                dir.resolve("model-service-signing-key.pem"));
        Map<String, java.security.PublicKey> publicKeys = new LinkedHashMap<>();
        publicKeys.put(InternalToken.ISSUER_GATEWAY, ensureKey(files.gatewayKey));
        publicKeys.put(InternalToken.ISSUER_WORKER, ensureKey(files.workerKey));
        publicKeys.put(InternalToken.ISSUER_MODEL_SERVICE, ensureKey(files.modelServiceKey));
        Files.writeString(files.jwks, SigningKeys.jwks(publicKeys), StandardCharsets.UTF_8);
        return files;
    }

    private static java.security.PublicKey ensureKey(Path file) throws IOException {
        if (Files.isRegularFile(file)) {
            return SigningKeys.publicKeyOf(SigningKeys.readPrivateKey(file));
        }
        KeyPair pair = SigningKeys.generate();
        Files.writeString(file, SigningKeys.privateKeyPem(pair.getPrivate()), StandardCharsets.US_ASCII);
        try {
            Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        } catch (UnsupportedOperationException ignored) {
            // not a POSIX file system
        }
        return pair.getPublic();
    }
}
