package io.aiaas.common.quarkus.auth;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import io.aiaas.common.auth.InternalToken;
import io.aiaas.common.auth.InternalTokenVerifier;
import java.time.Clock;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Internal tokens already verified, kept until they expire: the gateway reuses a token per key and audience for up to
 * a minute, so only its first use costs an RSA check. Keyed by the whole token, signature included, so a token that
 * differs in any byte is verified afresh; only valid tokens are kept, so made-up ones cannot fill the cache.
 */
public final class VerifiedTokens {
    /** Live tokens are about one per active API key and audience; beyond this the least used go first. */
    static final long MAX_TOKENS = 10_000;

    private final InternalTokenVerifier verifier;
    private final Clock clock;
    private final Cache<String, InternalToken> verified;

    public VerifiedTokens(InternalTokenVerifier verifier, Clock clock) {
        this.verifier = verifier;
        this.clock = clock;
        this.verified = Caffeine.newBuilder()
                .maximumSize(MAX_TOKENS)
                .expireAfter(new UntilExpiry())
                .build();
    }

    public VerifiedTokens(InternalTokenVerifier verifier) {
        this(verifier, Clock.systemUTC());
    }

    /** The token's claims, verified now or earlier and not yet expired; empty for an invalid token. */
    public Optional<InternalToken> verify(String token) {
        if (token == null) {
            return Optional.empty();
        }
        InternalToken known = verified.getIfPresent(token);
        if (known != null && known.exp() >= clock.instant().getEpochSecond()) {
            return Optional.of(known);
        }
        Optional<InternalToken> fresh = verifier.verify(token);
        fresh.ifPresent(t -> verified.put(token, t));
        return fresh;
    }

    public InternalTokenVerifier verifier() {
        return verifier;
    }

    long size() {
        verified.cleanUp();
        return verified.estimatedSize();
    }

    /** An entry lives until the end of its token's {@code exp} second. */
    private final class UntilExpiry implements Expiry<String, InternalToken> {
        @Override
        public long expireAfterCreate(String key, InternalToken token, long currentTime) {
            long millis = (token.exp() + 1) * 1000 - clock.millis();
            return TimeUnit.MILLISECONDS.toNanos(Math.max(0, millis));
        }

        @Override
        public long expireAfterUpdate(String key, InternalToken token, long currentTime, long currentDuration) {
            return expireAfterCreate(key, token, currentTime);
        }

        @Override
        public long expireAfterRead(String key, InternalToken token, long currentTime, long currentDuration) {
            return currentDuration;
        }
    }
}
