package io.aiaas.gateway.auth;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import io.aiaas.common.auth.ApiKeys;
import io.aiaas.common.error.ApiException;
import io.aiaas.common.error.ProblemType;
import io.aiaas.gateway.config.GatewayConfig;
import io.quarkus.security.identity.SecurityIdentity;
import io.vertx.core.MultiMap;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;
import java.util.function.Predicate;
import org.eclipse.microprofile.jwt.JsonWebToken;
import org.jboss.logging.Logger;

/**
 * Throttles repeated failed authentication from one source address (CONTRACT, Limits) without slowing valid
 * credentials.
 *
 * <p>A failure is a 401 to a request that presented credentials (a malformed, unknown, revoked or expired key, an
 * invalid token). Failures are counted per address in a fixed window begun by the address's first failure. Once an
 * address has {@code max-failures} in its window, each of its requests presenting credentials that are not already
 * known valid gets 429 with {@code Retry-After} (the seconds left of the window) before any look-up: tenant-service
 * is not asked and no token is verified. Throttled attempts are not counted, so the window is never prolonged.
 *
 * <p>Known valid, and so never slowed: an API key the key cache holds as live and unexpired, and an access token this
 * gateway verified before and that has not expired. Administrators' tokens are treated like keys rather than all
 * refused: one verified earlier goes on (an administrator behind the same NAT as an attacker keeps working), an
 * unknown one is refused, since checking it is the costly path the throttle exists to spare. Requests without any
 * credentials are neither counted nor throttled: they guess nothing and cost no look-up.
 *
 * <p>The address is the connection's remote address as Quarkus reports it; whether {@code X-Forwarded-For} is believed
 * is {@code quarkus.http.proxy.*}'s decision, never this class's. Counts live in this replica's memory: behind n
 * replicas an address may fail up to n × {@code max-failures} times per window.
 */
@ApplicationScoped
public class FailedAuthThrottle {
    private static final Logger LOG = Logger.getLogger(FailedAuthThrottle.class);

    /** Verified access tokens remembered at most (administrators are few; each entry is a hash). */
    static final long MAX_REMEMBERED_TOKENS = 10_000;

    private static final long NANOS_PER_SECOND = Duration.ofSeconds(1).toNanos();

    private final boolean enabled;
    private final int maxFailures;
    private final Duration window;
    private final LongSupplier nanoClock;
    private final Predicate<String> validKeyHash;
    private final Cache<String, Window> windows;
    /** SHA-256 of a verified access token → the time it had left then (its entry expires with the token). */
    private final Cache<String, Duration> verifiedTokens;

    /** An address's failures since {@code startNanos}; counted in place, so its entry expires when the window ends. */
    private static final class Window {
        final long startNanos;
        final AtomicInteger failures = new AtomicInteger();

        Window(long startNanos) {
            this.startNanos = startNanos;
        }
    }

    /**
     * @param validKeyHash whether the API key with this hash is known valid, answered from memory
     * @param nanoClock {@link System#nanoTime()}, or a test's clock
     */
    FailedAuthThrottle(GatewayConfig.AuthThrottle config, Predicate<String> validKeyHash, LongSupplier nanoClock) {
        this.enabled = config.enabled();
        this.maxFailures = Math.max(1, config.maxFailures());
        this.window = config.window();
        this.nanoClock = nanoClock;
        this.validKeyHash = validKeyHash;
        this.windows = Caffeine.newBuilder()
                .maximumSize(config.maxAddresses())
                .expireAfter(Expiry.creating((String address, Window w) -> window))
                .ticker(nanoClock::getAsLong)
                .executor(Runnable::run)
                .build();
        this.verifiedTokens = Caffeine.newBuilder()
                .maximumSize(MAX_REMEMBERED_TOKENS)
                .expireAfter(Expiry.creating((String hash, Duration validFor) -> validFor))
                .ticker(nanoClock::getAsLong)
                .executor(Runnable::run)
                .build();
    }

    @Inject
    public FailedAuthThrottle(GatewayConfig config, KeyVerificationCache keys) {
        this(config.authThrottle(), hash -> keys.holdsValid(hash, Instant.now()), System::nanoTime);
    }

    public boolean enabled() {
        return enabled;
    }

    /**
     * The 429 for a request from {@code address} with these headers, or null when it goes on to authentication. An
     * address without failures, the common case, costs one hash-map look-up; credentials are only looked at when the
     * address is throttled.
     */
    public ApiException refusal(String address, MultiMap headers) {
        long retryAfter = retryAfterSeconds(address);
        if (retryAfter == 0) {
            return null;
        }
        PresentedCredentials credentials = PresentedCredentials.of(headers);
        if (credentials.none() || knownValid(credentials)) {
            return null;
        }
        return new ApiException(
                        ProblemType.QUOTA_EXCEEDED,
                        "Too many failed authentications from this address; try again in " + retryAfter + " s.")
                .header("Retry-After", String.valueOf(retryAfter));
    }

    /** Seconds until {@code address} may present unknown credentials again; 0 when it may now. */
    long retryAfterSeconds(String address) {
        if (!enabled || address == null) {
            return 0;
        }
        Window w = windows.getIfPresent(address);
        if (w == null || w.failures.get() < maxFailures) {
            return 0;
        }
        long left = w.startNanos + window.toNanos() - nanoClock.getAsLong();
        return left <= 0 ? 0 : Math.max(1, (left + NANOS_PER_SECOND - 1) / NANOS_PER_SECOND);
    }

    /**
     * Whether these credentials are known valid from memory alone: the API key a tenant call uses (the bearer value,
     * else {@code X-API-Key}), or an access token verified before.
     */
    boolean knownValid(PresentedCredentials credentials) {
        String key = credentials.apiKey();
        if (ApiKeys.isWellFormed(key)) {
            return validKeyHash.test(ApiKeys.hash(key));
        }
        String bearer = credentials.bearer();
        return bearer != null && !bearer.isEmpty() && verifiedTokens.getIfPresent(tokenHash(bearer)) != null;
    }

    /** Counts a 401 to a request from {@code address} with these headers (a request without credentials is not). */
    public void failed(String address, MultiMap headers) {
        if (enabled && address != null && !PresentedCredentials.of(headers).none()) {
            failed(address);
        }
    }

    void failed(String address) {
        long now = nanoClock.getAsLong();
        // An ended window has expired from the cache (same clock), so this starts a new one.
        Window w = windows.get(address, a -> new Window(now));
        if (w.failures.incrementAndGet() == maxFailures) {
            LOG.warnf(
                    "%d failed authentications from %s: its unknown credentials get 429 for the rest of a %s window",
                    maxFailures, address, window);
        }
    }

    /**
     * Remembers the access token of an identity quarkus-oidc verified, until it expires, so that a throttled address
     * does not stop its holder. Only tokens with an expiry are remembered.
     */
    public void verified(SecurityIdentity identity, MultiMap headers) {
        if (!enabled
                || identity == null
                || identity.isAnonymous()
                || !(identity.getPrincipal() instanceof JsonWebToken jwt)) {
            return;
        }
        String bearer = PresentedCredentials.of(headers).bearer();
        if (bearer != null && !bearer.isEmpty() && jwt.getExpirationTime() > 0) {
            tokenVerified(bearer, Duration.between(Instant.now(), Instant.ofEpochSecond(jwt.getExpirationTime())));
        }
    }

    void tokenVerified(String bearer, Duration validFor) {
        if (enabled && !validFor.isNegative() && !validFor.isZero()) {
            verifiedTokens.get(tokenHash(bearer), hash -> validFor);
        }
    }

    /** Tokens are kept as hashes only: the throttle holds nothing a heap dump could replay. */
    private static String tokenHash(String token) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
