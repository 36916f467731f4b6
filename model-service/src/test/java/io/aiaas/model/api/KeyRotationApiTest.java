package io.aiaas.model.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.aiaas.common.auth.InternalToken;
import io.aiaas.common.auth.InternalTokenSigner;
import io.aiaas.common.auth.InternalTokenVerifier;
import io.aiaas.common.auth.JwksFile;
import io.aiaas.common.auth.Scopes;
import io.aiaas.common.auth.SigningKeys;
import io.aiaas.infra.testing.InfraTestResource;
import io.aiaas.model.support.ApiTestSupport;
import io.aiaas.model.support.InternalKeysTestResource;
import io.aiaas.model.support.Tokens;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
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
@QuarkusTestResource(
        value = InfraTestResource.class,
        initArgs = {@ResourceArg(name = "postgres", value = "true"), @ResourceArg(name = "kafka", value = "true")})
@QuarkusTestResource(InternalKeysTestResource.class)
class KeyRotationApiTest extends ApiTestSupport {

    @Inject
    InternalTokenVerifier verifier;

    @Test
    void aKeyAddedToTheJwksWhileTheServiceRunsIsTrusted() throws Exception {
        Path jwks = InternalKeysTestResource.keyFiles().jwks();
        KeyPair rotated = SigningKeys.generate();
        String token = "Bearer "
                + new InternalTokenSigner(InternalToken.ISSUER_GATEWAY, rotated.getPrivate())
                        .sign(
                                InternalToken.AUDIENCE_MODEL_SERVICE,
                                "rotated-key",
                                newTenant(),
                                Scopes.ALL,
                                List.of(),
                                null,
                                Tokens.TEST_PLAN);
        as(token).get("/v1/models").then().statusCode(401);
        try {
            List<SigningKeys.TrustedKey> keys =
                    new ArrayList<>(SigningKeys.readJwks(jwks).values());
            keys.add(new SigningKeys.TrustedKey(
                    SigningKeys.keyId(rotated.getPublic()), InternalToken.ISSUER_GATEWAY, rotated.getPublic()));
            replace(jwks, SigningKeys.jwks(keys));
            // trusted within the refetch interval (1 s in tests)
            await(
                    "the rotated-in key to be trusted",
                    Duration.ofSeconds(10),
                    () -> as(token).get("/v1/models").then().extract().statusCode() == 200);
            // the old key still works alongside
            as(Tokens.tenant(newTenant())).get("/v1/models").then().statusCode(200);
        } finally {
            InternalKeysTestResource.keyFiles(); // writes the JWKS of the two test keys again
        }
    }

    @Test
    void anUnknownKeyIdIsRefusedWithoutReadingTheFileOnEveryRequest() {
        JwksFile jwks = (JwksFile) verifier.keys();
        String forged = "Bearer "
                + new InternalTokenSigner(
                                InternalToken.ISSUER_GATEWAY,
                                SigningKeys.generate().getPrivate())
                        .sign(
                                InternalToken.AUDIENCE_MODEL_SERVICE,
                                "made-up",
                                newTenant(),
                                Scopes.ALL,
                                List.of(),
                                null,
                                Tokens.TEST_PLAN);
        long readsBefore = jwks.reads();
        long start = System.nanoTime();
        int requests = 50;
        for (int i = 0; i < requests; i++) {
            as(forged).get("/v1/models").then().statusCode(401).contentType("application/problem+json");
        }
        long elapsedSeconds = Duration.ofNanos(System.nanoTime() - start).toSeconds();
        long reads = jwks.reads() - readsBefore;
        // at most one reading per refetch interval (1 s in tests), however many requests
        assertTrue(
                reads <= 1 + elapsedSeconds,
                reads + " readings for " + requests + " requests in " + elapsedSeconds + " s");
        assertEquals(jwks.file(), InternalKeysTestResource.keyFiles().jwks());
    }

    private static void replace(Path file, String content) throws Exception {
        Path next = file.resolveSibling(file.getFileName() + ".next");
        Files.writeString(next, content, StandardCharsets.UTF_8);
        Files.move(next, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }
}
