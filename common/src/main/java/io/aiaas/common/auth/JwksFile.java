package io.aiaas.common.auth;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The trusted keys of a JWKS file, read again when a token names a key it does not hold, so that a signing key can be
 * rotated (the new key added to the file) without restarting the services. Re-reading is rate-limited: a flood of
 * tokens with made-up key ids costs at most one read per {@code minInterval}. When the file cannot be read or parsed
 * again, the keys read before stay in force.
 */
public final class JwksFile implements TrustedKeys {
    private static final System.Logger LOG = System.getLogger(JwksFile.class.getName());

    private final Path file;
    private final Duration minInterval;
    private final Clock clock;
    private final AtomicLong reads = new AtomicLong();
    private volatile Map<String, SigningKeys.TrustedKey> keys;
    private Instant lastRead;

    private JwksFile(Path file, Duration minInterval, Clock clock) {
        this.file = file;
        this.minInterval = minInterval;
        this.clock = clock;
    }

    /**
     * Reads the file now (failing when it cannot be read: a service must not start without its keys) and re-reads it
     * for unknown key ids at most once per {@code minInterval}.
     */
    public static JwksFile open(Path file, Duration minInterval, Clock clock) throws IOException {
        JwksFile jwks = new JwksFile(file, minInterval, clock);
        jwks.keys = SigningKeys.readJwks(file);
        jwks.reads.incrementAndGet();
        jwks.lastRead = clock.instant();
        return jwks;
    }

    public static JwksFile open(Path file, Duration minInterval) throws IOException {
        return open(file, minInterval, Clock.systemUTC());
    }

    @Override
    public Optional<SigningKeys.TrustedKey> find(String kid) {
        SigningKeys.TrustedKey key = keys.get(kid);
        if (key == null && refresh()) {
            key = keys.get(kid);
        }
        return Optional.ofNullable(key);
    }

    /** How many times the file has been read: for operators' metrics and for tests. */
    public long reads() {
        return reads.get();
    }

    public Path file() {
        return file;
    }

    /** Reads the file again unless that was done less than {@code minInterval} ago; whether it was read. */
    private synchronized boolean refresh() {
        Instant now = clock.instant();
        if (now.isBefore(lastRead.plus(minInterval))) {
            return false;
        }
        lastRead = now;
        reads.incrementAndGet();
        try {
            keys = SigningKeys.readJwks(file);
            return true;
        } catch (IOException | RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "cannot read the JWKS " + file + " again; keeping its keys: " + e);
            return false;
        }
    }
}
