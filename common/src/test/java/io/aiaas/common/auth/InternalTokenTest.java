package io.aiaas.common.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class InternalTokenTest {

    @TempDir
    Path dir;

    @Test
    void aTokenSignedByTheGatewayVerifiesWithItsClaims() throws Exception {
        InternalKeyFiles files = InternalKeyFiles.ensure(dir);
        var signer =
                new InternalTokenSigner(InternalToken.ISSUER_GATEWAY, SigningKeys.readPrivateKey(files.gatewayKey()));
        var verifier =
                new InternalTokenVerifier(SigningKeys.readJwks(files.jwks()), InternalToken.AUDIENCE_MODEL_SERVICE);

        String jwt = signer.sign("model-service", "abcdefghijkl", "ten_x", List.of("models:read"), List.of(), "req_1");
        InternalToken token = verifier.verify(jwt).orElseThrow();

        assertEquals("aiaas-gateway", token.iss());
        assertEquals("ten_x", token.tid());
        assertEquals(List.of("models:read"), token.scp());
        assertEquals("req_1", token.rid());
        assertTrue(token.exp() - token.iat() <= 60);
    }

    @Test
    void thePlanTravelsInTheTokenAndTheRequestIdMayBeLeftOut() throws Exception {
        InternalKeyFiles files = InternalKeyFiles.ensure(dir);
        var signer =
                new InternalTokenSigner(InternalToken.ISSUER_GATEWAY, SigningKeys.readPrivateKey(files.gatewayKey()));
        var verifier =
                new InternalTokenVerifier(SigningKeys.readJwks(files.jwks()), InternalToken.AUDIENCE_MODEL_SERVICE);
        var plan = new io.aiaas.common.plan.PlanLimits(
                "free", 3L, 5, 10, 1, 100_000, 1_048_576, 52_428_800, 209_715_200, 10_000);

        String jwt = signer.sign("model-service", "abcdefghijkl", "ten_x", List.of(), List.of(), null, plan);
        InternalToken token = verifier.verify(jwt).orElseThrow();

        assertEquals(plan, token.plan());
        assertEquals(null, token.rid());
        // administrators and components carry no plan
        String admin = signer.sign("model-service", "alice", null, List.of(), List.of("platform-admin"), null);
        assertEquals(null, verifier.verify(admin).orElseThrow().plan());
    }

    @Test
    void forgedExpiredMisaddressedOrMisattributedTokensAreRefused() throws Exception {
        InternalKeyFiles files = InternalKeyFiles.ensure(dir);
        var keys = SigningKeys.readJwks(files.jwks());
        var gateway =
                new InternalTokenSigner(InternalToken.ISSUER_GATEWAY, SigningKeys.readPrivateKey(files.gatewayKey()));
        var verifier = new InternalTokenVerifier(keys, "model-service");

        // another audience
        assertTrue(verifier.verify(gateway.sign("tenant-service", "k", "t", List.of(), List.of(), null))
                .isEmpty());
        // a key outside the JWKS
        var stranger = new InternalTokenSigner(
                InternalToken.ISSUER_GATEWAY, SigningKeys.generate().getPrivate());
        assertTrue(verifier.verify(stranger.sign("model-service", "k", "t", List.of(), List.of(), null))
                .isEmpty());
        // the worker's key claiming to be the gateway
        var workerAsGateway =
                new InternalTokenSigner(InternalToken.ISSUER_GATEWAY, SigningKeys.readPrivateKey(files.workerKey()));
        assertTrue(verifier.verify(workerAsGateway.sign("model-service", "k", "t", List.of(), List.of(), null))
                .isEmpty());
        // tampered payload
        String good = gateway.sign("model-service", "k", "ten_a", List.of(), List.of(), null);
        String[] parts = good.split("\\.");
        String otherPayload = java.util.Base64.getUrlEncoder()
                .withoutPadding()
                .encodeToString(new String(java.util.Base64.getUrlDecoder().decode(parts[1]))
                        .replace("ten_a", "ten_b")
                        .getBytes());
        assertTrue(
                verifier.verify(parts[0] + "." + otherPayload + "." + parts[2]).isEmpty());
        // expired
        Clock past = Clock.fixed(Instant.now().minusSeconds(120), ZoneOffset.UTC);
        var old = new InternalTokenSigner(
                InternalToken.ISSUER_GATEWAY, SigningKeys.readPrivateKey(files.gatewayKey()), 30, past);
        assertTrue(verifier.verify(old.sign("model-service", "k", "t", List.of(), List.of(), null))
                .isEmpty());
        // garbage
        assertTrue(verifier.verify("not.a.jwt").isEmpty());
        assertTrue(verifier.verify(null).isEmpty());
        assertTrue(new InternalTokenVerifier(Map.of(), "model-service")
                .verify(good)
                .isEmpty());
    }

    @Test
    void keyFilesAreKeptAcrossCalls() throws Exception {
        InternalKeyFiles first = InternalKeyFiles.ensure(dir);
        String key = Files.readString(first.gatewayKey());
        InternalKeyFiles second = InternalKeyFiles.ensure(dir);
        assertEquals(key, Files.readString(second.gatewayKey()));
        assertEquals(3, SigningKeys.readJwks(second.jwks()).size());
    }
}
