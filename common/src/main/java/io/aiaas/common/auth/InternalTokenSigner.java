package io.aiaas.common.auth;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.aiaas.common.json.Json;
import io.aiaas.common.plan.PlanLimits;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.Signature;
import java.time.Clock;
import java.util.Base64;
import java.util.List;

/** Signs internal tokens (RS256 JWTs with {@code kid}). Thread-safe. */
public final class InternalTokenSigner {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();

    private final String issuer;
    private final PrivateKey key;
    private final String encodedHeader;
    private final Clock clock;
    private final long ttlSeconds;

    public InternalTokenSigner(String issuer, PrivateKey key, long ttlSeconds, Clock clock) {
        if (ttlSeconds <= 0 || ttlSeconds > InternalToken.MAX_LIFETIME_SECONDS) {
            throw new IllegalArgumentException("token lifetime must be 1..60 s");
        }
        this.issuer = issuer;
        this.key = key;
        this.clock = clock;
        this.ttlSeconds = ttlSeconds;
        ObjectNode header = JSON.createObjectNode();
        header.put("alg", "RS256");
        header.put("typ", "JWT");
        header.put("kid", SigningKeys.keyId(SigningKeys.publicKeyOf(key)));
        this.encodedHeader = B64.encodeToString(header.toString().getBytes(StandardCharsets.UTF_8));
    }

    public InternalTokenSigner(String issuer, PrivateKey key) {
        this(issuer, key, 30, Clock.systemUTC());
    }

    public String issuer() {
        return issuer;
    }

    /** Seconds between {@code iat} and {@code exp} of the tokens this signer makes. */
    public long ttlSeconds() {
        return ttlSeconds;
    }

    public String sign(
            String audience,
            String subject,
            String tenantId,
            List<String> scopes,
            List<String> roles,
            String requestId) {
        return sign(audience, subject, tenantId, scopes, roles, requestId, null);
    }

    public String sign(
            String audience,
            String subject,
            String tenantId,
            List<String> scopes,
            List<String> roles,
            String requestId,
            PlanLimits plan) {
        long now = clock.instant().getEpochSecond();
        ObjectNode claims = JSON.createObjectNode();
        claims.put("iss", issuer);
        claims.put("aud", audience);
        claims.put("sub", subject);
        if (tenantId != null) {
            claims.put("tid", tenantId);
        }
        scopes.forEach(claims.putArray("scp")::add);
        roles.forEach(claims.putArray("roles")::add);
        if (requestId != null) {
            claims.put("rid", requestId);
        }
        if (plan != null) {
            claims.set("plan", Json.mapper().valueToTree(plan));
        }
        claims.put("iat", now);
        claims.put("exp", now + ttlSeconds);
        String signingInput =
                encodedHeader + "." + B64.encodeToString(claims.toString().getBytes(StandardCharsets.UTF_8));
        try {
            Signature rsa = Signature.getInstance("SHA256withRSA");
            rsa.initSign(key);
            rsa.update(signingInput.getBytes(StandardCharsets.US_ASCII));
            return signingInput + "." + B64.encodeToString(rsa.sign());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot sign internal token", e);
        }
    }
}
