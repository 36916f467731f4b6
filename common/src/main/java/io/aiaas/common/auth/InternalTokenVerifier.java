package io.aiaas.common.auth;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.aiaas.common.json.Json;
import io.aiaas.common.plan.PlanLimits;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.Signature;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Verifies internal tokens against the trusted keys: signature, issuer bound to the key, audience, expiry and the
 * 60-second lifetime cap. Never needs Keycloak.
 */
public final class InternalTokenVerifier {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long CLOCK_SKEW_SECONDS = 5;

    private final TrustedKeys keys;
    private final String audience;
    private final Clock clock;

    public InternalTokenVerifier(TrustedKeys keys, String audience, Clock clock) {
        this.keys = keys;
        this.audience = audience;
        this.clock = clock;
    }

    /** A verifier that finds keys in {@code keys}, e.g. a {@link JwksFile} that follows key rotation. */
    public InternalTokenVerifier(TrustedKeys keys, String audience) {
        this(keys, audience, Clock.systemUTC());
    }

    public InternalTokenVerifier(Map<String, SigningKeys.TrustedKey> keys, String audience, Clock clock) {
        this(TrustedKeys.of(keys), audience, clock);
    }

    public InternalTokenVerifier(Map<String, SigningKeys.TrustedKey> keys, String audience) {
        this(keys, audience, Clock.systemUTC());
    }

    /** Where this verifier finds its keys. */
    public TrustedKeys keys() {
        return keys;
    }

    public String audience() {
        return audience;
    }

    /** The verified claims, or empty for any token that is malformed, forged, expired or meant for another service. */
    public Optional<InternalToken> verify(String token) {
        if (token == null) {
            return Optional.empty();
        }
        String[] parts = token.split("\\.", -1);
        if (parts.length != 3) {
            return Optional.empty();
        }
        try {
            Base64.Decoder dec = Base64.getUrlDecoder();
            JsonNode header = JSON.readTree(dec.decode(parts[0]));
            if (!"RS256".equals(header.path("alg").asText())) {
                return Optional.empty();
            }
            String kid = header.path("kid").asText(null);
            if (kid == null) {
                return Optional.empty();
            }
            SigningKeys.TrustedKey key = keys.find(kid).orElse(null);
            if (key == null) {
                return Optional.empty();
            }
            Signature rsa = Signature.getInstance("SHA256withRSA");
            rsa.initVerify(key.key());
            rsa.update((parts[0] + "." + parts[1]).getBytes(StandardCharsets.US_ASCII));
            if (!rsa.verify(dec.decode(parts[2]))) {
                return Optional.empty();
            }
            JsonNode c = JSON.readTree(dec.decode(parts[1]));
            String iss = c.path("iss").asText(null);
            long now = clock.instant().getEpochSecond();
            long iat = c.path("iat").asLong(-1);
            long exp = c.path("exp").asLong(-1);
            if (iss == null
                    || !iss.equals(key.issuer())
                    || !audience.equals(c.path("aud").asText())
                    || exp < now
                    || iat < 0
                    || exp - iat > InternalToken.MAX_LIFETIME_SECONDS
                    || iat > now + CLOCK_SKEW_SECONDS) {
                return Optional.empty();
            }
            return Optional.of(new InternalToken(
                    iss,
                    audience,
                    c.path("sub").asText(null),
                    c.path("tid").asText(null),
                    strings(c.path("scp")),
                    strings(c.path("roles")),
                    c.path("rid").asText(null),
                    plan(c.path("plan")),
                    iat,
                    exp));
        } catch (GeneralSecurityException | java.io.IOException | IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    private static PlanLimits plan(JsonNode node) throws java.io.IOException {
        return node.isObject() ? Json.mapper().treeToValue(node, PlanLimits.class) : null;
    }

    private static List<String> strings(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }
}
