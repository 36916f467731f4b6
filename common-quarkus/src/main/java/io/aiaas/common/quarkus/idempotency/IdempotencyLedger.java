package io.aiaas.common.quarkus.idempotency;

import io.aiaas.common.error.ApiException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import javax.sql.DataSource;

/**
 * The answers given under {@code Idempotency-Key}s, in a table of the service's own schema, written in the transaction
 * that creates the object: a crash leaves both or neither. A plain library class (no CDI bean): each service with a
 * database wires one, as it wires its outbox.
 *
 * <p>Concurrency: {@link #once} first claims the key (an insert that PostgreSQL makes wait while another transaction
 * holds the same key), and only then creates. Of two requests with one key, the second waits for the first to end and
 * then replays its answer (or, if the first rolled back, goes ahead itself): never two objects, never a half-done
 * answer. Only successful creations are kept: a refused request rolls its claim back, so a corrected retry with the
 * same key is carried out.
 *
 * <p>Keys expire after {@link #RETENTION}: an expired row is as good as absent (a new request under its key replaces
 * it), and each claim deletes a few expired rows, so the table holds about a day of keys without a sweeper.
 *
 * <p>The table:
 *
 * <pre>{@code
 * CREATE TABLE idempotency_key (
 *     scope       VARCHAR(64)  NOT NULL,             -- tenant id, or 'platform' for administrators
 *     idem_key    VARCHAR(255) NOT NULL,
 *     fingerprint VARCHAR(64)  NOT NULL,             -- IdempotentRequest.fingerprint
 *     status      INTEGER,                           -- null only inside the creating transaction
 *     location    TEXT,
 *     body        TEXT,
 *     created_at  TIMESTAMP(6) WITH TIME ZONE NOT NULL,
 *     expires_at  TIMESTAMP(6) WITH TIME ZONE NOT NULL,
 *     PRIMARY KEY (scope, idem_key));
 * CREATE INDEX idempotency_key_expires_idx ON idempotency_key (expires_at);
 * }</pre>
 */
public final class IdempotencyLedger {
    /** How long a key replays its answer (Stripe's 24 hours). */
    public static final Duration RETENTION = Duration.ofHours(24);

    /** Expired rows a claim deletes on its way: enough to outpace the keys the service takes. */
    static final int SWEEP_ROWS = 100;

    private static final Pattern TABLE = Pattern.compile("^[A-Za-z_][A-Za-z0-9_]{0,62}$");

    private final DataSource dataSource;
    private final String claim;
    private final String find;
    private final String complete;
    private final String sweep;

    public IdempotencyLedger(DataSource dataSource, String table) {
        this.dataSource = Objects.requireNonNull(dataSource);
        if (table == null || !TABLE.matcher(table).matches()) {
            throw new IllegalArgumentException("not a table name: " + table);
        }
        long seconds = RETENTION.toSeconds();
        // An expired row is taken over (the WHERE); a live one is left alone and locked until this transaction ends.
        this.claim = "INSERT INTO " + table + " (scope, idem_key, fingerprint, created_at, expires_at)"
                + " VALUES (?, ?, ?, now(), now() + interval '" + seconds + " seconds')"
                + " ON CONFLICT (scope, idem_key) DO UPDATE SET fingerprint = EXCLUDED.fingerprint,"
                + " status = NULL, location = NULL, body = NULL,"
                + " created_at = EXCLUDED.created_at, expires_at = EXCLUDED.expires_at"
                + " WHERE " + table + ".expires_at <= now()";
        this.find = "SELECT fingerprint, status, location, body FROM " + table
                + " WHERE scope = ? AND idem_key = ? AND expires_at > now()";
        this.complete = "UPDATE " + table + " SET status = ?, location = ?, body = ? WHERE scope = ? AND idem_key = ?";
        // SKIP LOCKED: a sweep never waits for, nor makes wait, a request that holds a key.
        this.sweep = "DELETE FROM " + table + " WHERE (scope, idem_key) IN (SELECT scope, idem_key FROM " + table
                + " WHERE expires_at <= now() LIMIT " + SWEEP_ROWS + " FOR UPDATE SKIP LOCKED)";
    }

    /** An answer recorded under a key, with the fingerprint of the request that earned it. */
    public record Recorded(String fingerprint, IdempotentResponse response) {
        /**
         * The answer to {@code request} under this key: the recorded one if the request is the same (a replay).
         *
         * @throws ApiException 409 if the key was used for another request
         */
        public IdempotentResponse answer(IdempotentRequest request) {
            if (!fingerprint.equals(request.fingerprint())) {
                throw ApiException.conflict("This Idempotency-Key was used with another request (method, path or"
                        + " body); use a new key for a new request.");
            }
            if (response == null) {
                // not reachable while claims and answers commit together; refuse rather than answer nothing
                throw ApiException.conflict("A request with this Idempotency-Key is still in progress.");
            }
            return response;
        }
    }

    /**
     * Creates the object in the caller's transaction, once per key: with a live key of the same request, the recorded
     * answer instead (nothing is created); with a live key of another request, a 409. {@code answer} is what the
     * request answers, recorded with the object.
     *
     * @param request null: no key; the object is simply created
     * @throws IllegalStateException outside a transaction
     */
    public <T> IdempotentResponse once(
            IdempotentRequest request, Supplier<T> create, Function<T, IdempotentResponse> answer) {
        if (request == null) {
            return answer.apply(create.get());
        }
        Optional<Recorded> earlier = claim(request);
        if (earlier.isPresent()) {
            return earlier.get().answer(request);
        }
        IdempotentResponse response = answer.apply(create.get());
        complete(request, response);
        return response;
    }

    /**
     * The live answer recorded under the request's key, without claiming it: lets a streamed upload find out before
     * storing its body whether it is a repeat. Needs no transaction.
     */
    public Optional<Recorded> recorded(String scope, String key) {
        try (Connection connection = dataSource.getConnection()) {
            return find(connection, scope, key);
        } catch (SQLException e) {
            throw new IllegalStateException("cannot read the idempotency keys", e);
        }
    }

    /** Empty once the key is this transaction's; else what is recorded under it. */
    private Optional<Recorded> claim(IdempotentRequest request) {
        try (Connection connection = dataSource.getConnection()) {
            if (connection.getAutoCommit()) {
                throw new IllegalStateException("an idempotency key is claimed in the creating transaction");
            }
            try (PreparedStatement statement = connection.prepareStatement(sweep)) {
                statement.executeUpdate();
            }
            try (PreparedStatement statement = connection.prepareStatement(claim)) {
                statement.setString(1, request.scope());
                statement.setString(2, request.key());
                statement.setString(3, request.fingerprint());
                if (statement.executeUpdate() == 1) {
                    return Optional.empty();
                }
            }
            // The live row is locked by the claim above until this transaction ends: it is there to be read.
            return Optional.of(find(connection, request.scope(), request.key())
                    .orElseThrow(() -> new IllegalStateException("a claimed idempotency key vanished")));
        } catch (SQLException e) {
            throw new IllegalStateException("cannot claim the idempotency key", e);
        }
    }

    private void complete(IdempotentRequest request, IdempotentResponse response) {
        try (Connection connection = dataSource.getConnection();
                PreparedStatement statement = connection.prepareStatement(complete)) {
            statement.setInt(1, response.status());
            statement.setString(2, response.location());
            statement.setString(3, response.body());
            statement.setString(4, request.scope());
            statement.setString(5, request.key());
            statement.executeUpdate();
        } catch (SQLException e) {
            throw new IllegalStateException("cannot record the answer to an idempotent request", e);
        }
    }

    private Optional<Recorded> find(Connection connection, String scope, String key) throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement(find)) {
            statement.setString(1, scope);
            statement.setString(2, key);
            try (ResultSet row = statement.executeQuery()) {
                if (!row.next()) {
                    return Optional.empty();
                }
                int status = row.getInt(2);
                IdempotentResponse response =
                        row.wasNull() ? null : new IdempotentResponse(status, row.getString(3), row.getString(4));
                return Optional.of(new Recorded(row.getString(1), response));
            }
        }
    }
}
