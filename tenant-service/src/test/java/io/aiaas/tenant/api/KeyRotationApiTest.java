package io.aiaas.tenant.api;

import static io.aiaas.tenant.testing.Api.as;
import static io.aiaas.tenant.testing.Api.problem;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.aiaas.common.auth.InternalKeyFiles;
import io.aiaas.common.auth.InternalToken;
import io.aiaas.common.auth.InternalTokenSigner;
import io.aiaas.common.auth.InternalTokenVerifier;
import io.aiaas.common.auth.JwksFile;
import io.aiaas.common.auth.Scopes;
import io.aiaas.common.auth.SigningKeys;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.KeyPair;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The gateway's signing key rotated while the service runs: the service follows the JWKS file, without a restart. */
@QuarkusTest
class KeyRotationApiTest {

    @Inject
    InternalTokenVerifier verifier;

    @Test
    void aKeyAddedToTheJwksWhileTheServiceRunsIsTrusted() throws Exception {
        JwksFile jwks = (JwksFile) verifier.keys();
        Path file = jwks.file();
        KeyPair rotated = SigningKeys.generate();
        String admin = new InternalTokenSigner(InternalToken.ISSUER_GATEWAY, rotated.getPrivate())
                .sign(
                        InternalToken.AUDIENCE_TENANT_SERVICE,
                        "alice",
                        null,
                        List.of(),
                        List.of(Scopes.ROLE_PLATFORM_ADMIN),
                        null);
        problem(as(admin).get("/admin/v1/plans").then(), 401, "unauthorized");
        try {
            List<SigningKeys.TrustedKey> keys =
                    new ArrayList<>(SigningKeys.readJwks(file).values());
            keys.add(new SigningKeys.TrustedKey(
                    SigningKeys.keyId(rotated.getPublic()), InternalToken.ISSUER_GATEWAY, rotated.getPublic()));
            Path next = file.resolveSibling(file.getFileName() + ".next");
            Files.writeString(next, SigningKeys.jwks(keys), StandardCharsets.UTF_8);
            Files.move(next, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);

            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            int status;
            do {
                Thread.sleep(100);
                status = as(admin).get("/admin/v1/plans").then().extract().statusCode();
            } while (status != 200 && System.nanoTime() < deadline);
            assertEquals(200, status, "the rotated-in key is trusted within the refetch interval (1 s in tests)");
        } finally {
            InternalKeyFiles.ensure(file.getParent()); // the JWKS of the installation's keys again
        }
    }

    @Test
    void anUnknownKeyIdIsRefusedWithoutReadingTheFileOnEveryRequest() {
        JwksFile jwks = (JwksFile) verifier.keys();
        String forged = new InternalTokenSigner(
                        InternalToken.ISSUER_GATEWAY, SigningKeys.generate().getPrivate())
                .sign(
                        InternalToken.AUDIENCE_TENANT_SERVICE,
                        "mallory",
                        null,
                        List.of(),
                        List.of(Scopes.ROLE_PLATFORM_ADMIN),
                        null);
        long readsBefore = jwks.reads();
        long start = System.nanoTime();
        for (int i = 0; i < 50; i++) {
            problem(as(forged).get("/admin/v1/plans").then(), 401, "unauthorized");
        }
        long elapsedSeconds = Duration.ofNanos(System.nanoTime() - start).toSeconds();
        long reads = jwks.reads() - readsBefore;
        assertTrue(reads <= 1 + elapsedSeconds, reads + " readings for 50 requests in " + elapsedSeconds + " s");
    }
}
