package io.aiaas.messaging.outbox;

import com.fasterxml.jackson.databind.JsonNode;
import io.aiaas.common.id.Ids;
import io.aiaas.common.json.Json;
import io.aiaas.messaging.Backoff;
import io.aiaas.messaging.KafkaSettings;
import java.nio.charset.StandardCharsets;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import javax.sql.DataSource;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.PartitionInfo;
import org.jboss.logging.Logger;

/**
 * Publishes an outbox table's rows to Kafka, in id order, and deletes them once the broker has acknowledged them.
 *
 * <p><b>One publisher per table.</b> Every replica runs a relay, but only the one holding a PostgreSQL session-level
 * advisory lock ({@code pg_try_advisory_lock}) on its own dedicated connection publishes; the others try again every
 * {@code leader-retry}. Per-key order therefore holds with any number of replicas. A leader that dies releases the
 * lock with its connection, and a standby takes over within {@code leader-retry}.
 *
 * <p><b>No transaction while waiting on Kafka.</b> A pass reads a batch (autocommit), sends it, waits for the
 * acknowledgements, then deletes the acknowledged rows with one {@code DELETE … WHERE id = ANY(?)}. Rows after the
 * first unacknowledged one stay, in order, for the next pass: delivery is at least once, in order per key, and
 * consumers are idempotent. With Kafka down, rows wait and passes are retried with a growing backoff.
 *
 * <p><b>When.</b> {@link #trigger()} asks for a pass now (services call it after a commit that wrote rows); besides,
 * a pass runs every {@code interval} (a crash between commit and publish, another replica's writes).
 *
 * <p><b>Watermark heartbeats</b> (optional, {@link Builder#heartbeat}): after a pass that published every row visible
 * when it started, at time T, the relay writes a heartbeat carrying T to every partition of the heartbeat topic (at
 * most every heartbeat interval, also when idle). A reader that has seen T on a partition knows that every record
 * committed to the outbox before T has reached that partition before the heartbeat.
 */
public final class OutboxRelay implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(OutboxRelay.class);
    /** First half of the advisory lock's key; the second is the outbox table's oid. */
    static final int LOCK_CLASS = 0x6f757462; // "outb"

    /**
     * Heartbeats on {@code topic}: {@code payload} makes a record's value from the watermark.
     *
     * @param interval the shortest time between two heartbeats
     */
    public record Heartbeat(String topic, Duration interval, Function<Instant, String> payload) {
        public Heartbeat {
            Objects.requireNonNull(topic);
            Objects.requireNonNull(interval);
            Objects.requireNonNull(payload);
        }
    }

    /**
     * What the relay is doing, for health checks and operators.
     *
     * @param leader whether this replica publishes (holds the table's lock)
     * @param lastPass when the last complete pass started (every row visible then is published)
     * @param published rows this relay has published since it started
     */
    public record State(
            String name,
            boolean running,
            boolean leader,
            Instant lastPass,
            Instant lastHeartbeat,
            long published,
            String lastFailure,
            Instant lastFailureAt,
            int consecutiveFailures) {}

    /** Kafka did not acknowledge a row or heartbeat: the remaining rows wait for the next pass. */
    private static final class NotAcknowledged extends Exception {
        NotAcknowledged(String message, Throwable cause) {
            super(message, cause, false, false);
        }
    }

    private record Row(long id, String topic, String key, String payload, String headers) {}

    private final String name;
    private final DataSource dataSource;
    private final String table;
    private final KafkaSettings settings;
    private final int batchSize;
    private final Duration interval;
    private final Duration sendTimeout;
    private final Duration leaderRetry;
    private final Backoff backoff;
    private final Heartbeat heartbeat;
    private final String select;
    private final String delete;

    private final Semaphore wake = new Semaphore(0);
    private volatile boolean stopping;
    private volatile Thread thread;
    private Producer<String, String> producer;
    private Connection connection;
    private int lockKey;
    private volatile boolean leader;
    private volatile Instant lastPass;
    private volatile Instant lastHeartbeat;
    private volatile long published;
    private volatile String lastFailure;
    private volatile Instant lastFailureAt;
    private volatile int consecutiveFailures;

    private OutboxRelay(Builder b) {
        this.name = b.name;
        this.dataSource = b.dataSource;
        this.table = OutboxTable.checkName(b.table);
        this.settings = b.settings;
        this.batchSize = b.batchSize;
        this.interval = b.interval;
        this.sendTimeout = b.sendTimeout;
        this.leaderRetry = b.leaderRetry;
        this.backoff = b.backoff;
        this.heartbeat = b.heartbeat;
        this.select = "SELECT id, topic, record_key, payload, headers::text FROM " + table + " ORDER BY id LIMIT ?";
        this.delete = "DELETE FROM " + table + " WHERE id = ANY(?)";
    }

    /** A relay named {@code name} (thread, client id, logs) for {@code table}, reached through {@code dataSource}. */
    public static Builder builder(String name, DataSource dataSource, String table, KafkaSettings settings) {
        return new Builder(name, dataSource, table, settings);
    }

    public synchronized void start() {
        if (thread != null) {
            return;
        }
        Thread t = new Thread(this::run, "aiaas-outbox-" + name);
        t.setDaemon(true);
        thread = t;
        t.start();
    }

    /** Asks for a pass soon, off the caller's thread; requests made while one runs fold into one more pass. */
    public void trigger() {
        if (wake.availablePermits() == 0) {
            wake.release();
        }
    }

    public State state() {
        Thread t = thread;
        return new State(
                name,
                t != null && t.isAlive() && !stopping,
                leader,
                lastPass,
                lastHeartbeat,
                published,
                lastFailure,
                lastFailureAt,
                consecutiveFailures);
    }

    /** Stops publishing and gives up the lock, so a standby takes over at once. */
    @Override
    public void close() {
        stopping = true;
        wake.release();
        Thread t = thread;
        if (t != null && t != Thread.currentThread()) {
            try {
                t.join(sendTimeout.plusSeconds(10).toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private void run() {
        try {
            while (!stopping) {
                Duration wait;
                try {
                    if (!lead()) {
                        wait = leaderRetry;
                    } else {
                        Instant passStart = Instant.now();
                        publishPending();
                        lastPass = passStart;
                        if (heartbeatDue()) {
                            sendHeartbeats(passStart);
                        }
                        consecutiveFailures = 0;
                        wait = heartbeat == null || heartbeat.interval().compareTo(interval) > 0
                                ? interval
                                : heartbeat.interval();
                    }
                } catch (SQLException e) {
                    failed("database", e);
                    resign();
                    wait = backoff.after(consecutiveFailures);
                    LOG.warnf("outbox relay %s: database unavailable (%s); retrying in %s", name, e.getMessage(), wait);
                } catch (NotAcknowledged | KafkaException e) {
                    failed("kafka", e);
                    closeProducer();
                    wait = backoff.after(consecutiveFailures);
                    LOG.warnf(
                            "outbox relay %s: Kafka did not take the records (%s); they wait, retrying in %s",
                            name, e.getMessage(), wait);
                } catch (RuntimeException e) {
                    failed("relay", e);
                    resign();
                    closeProducer();
                    wait = backoff.after(consecutiveFailures);
                    LOG.errorf(e, "outbox relay %s failed; retrying in %s", name, wait);
                }
                await(wait);
            }
        } finally {
            resign();
            closeProducer();
            LOG.infof("outbox relay %s stopped", name);
        }
    }

    /** Whether this replica holds the table's lock, trying to take it if not. */
    private boolean lead() throws SQLException {
        if (leader) {
            return true;
        }
        if (connection == null) {
            Connection c = dataSource.getConnection();
            try {
                if (!c.getAutoCommit()) {
                    c.setAutoCommit(true);
                }
                lockKey = tableOid(c);
            } catch (SQLException | RuntimeException e) {
                c.close();
                throw e;
            }
            connection = c;
        }
        try (PreparedStatement lock = connection.prepareStatement("SELECT pg_try_advisory_lock(?, ?)")) {
            lock.setInt(1, LOCK_CLASS);
            lock.setInt(2, lockKey);
            try (ResultSet rs = lock.executeQuery()) {
                rs.next();
                leader = rs.getBoolean(1);
            }
        }
        if (leader) {
            LOG.infof("outbox relay %s publishes %s (this replica holds its lock)", name, table);
        }
        return leader;
    }

    private int tableOid(Connection c) throws SQLException {
        try (PreparedStatement oid = c.prepareStatement("SELECT to_regclass(?)::oid")) {
            oid.setString(1, table);
            try (ResultSet rs = oid.executeQuery()) {
                rs.next();
                long value = rs.getLong(1);
                if (rs.wasNull()) {
                    throw new SQLException("no outbox table " + table);
                }
                // An oid is an unsigned 32-bit number; the lock takes it as a signed one.
                return (int) value;
            }
        }
    }

    /** Publishes until the table holds nothing that was visible at the start, or Kafka fails. */
    private void publishPending() throws SQLException, NotAcknowledged {
        while (!stopping) {
            List<Row> rows = readBatch();
            if (rows.isEmpty()) {
                return;
            }
            Sent sent = send(rows);
            if (sent.acknowledged() > 0) {
                deleteRows(rows.subList(0, sent.acknowledged()));
                published += sent.acknowledged();
            }
            if (sent.failure() != null) {
                throw new NotAcknowledged(
                        "row " + rows.get(sent.acknowledged()).id() + ": "
                                + sent.failure().getMessage(),
                        sent.failure());
            }
            if (rows.size() < batchSize) {
                return;
            }
        }
    }

    /** How many rows of a batch, from its start, Kafka acknowledged; and why the next one was not, if any. */
    private record Sent(int acknowledged, Throwable failure) {}

    private List<Row> readBatch() throws SQLException {
        List<Row> rows = new ArrayList<>();
        try (PreparedStatement read = connection.prepareStatement(select)) {
            read.setInt(1, batchSize);
            try (ResultSet rs = read.executeQuery()) {
                while (rs.next()) {
                    rows.add(
                            new Row(rs.getLong(1), rs.getString(2), rs.getString(3), rs.getString(4), rs.getString(5)));
                }
            }
        }
        return rows;
    }

    /** Sends the rows and waits for their acknowledgements, in order, up to the first that fails. */
    private Sent send(List<Row> rows) {
        Producer<String, String> p = producer();
        List<Future<RecordMetadata>> sends = new ArrayList<>(rows.size());
        for (Row row : rows) {
            Future<RecordMetadata> send = p.send(record(row));
            sends.add(send);
            if (send.isDone() && await(send, System.nanoTime()) != null) {
                break; // the broker is unreachable (metadata timed out): do not wait once per row
            }
        }
        long deadline = System.nanoTime() + sendTimeout.toNanos();
        for (int i = 0; i < sends.size(); i++) {
            Throwable failure = await(sends.get(i), deadline);
            if (failure != null) {
                return new Sent(i, failure);
            }
        }
        return sends.size() == rows.size()
                ? new Sent(rows.size(), null)
                : new Sent(sends.size(), new KafkaException("not sent"));
    }

    private void deleteRows(List<Row> rows) throws SQLException {
        Long[] ids = rows.stream().map(Row::id).toArray(Long[]::new);
        Array array = connection.createArrayOf("bigint", ids);
        try (PreparedStatement delete = connection.prepareStatement(this.delete)) {
            delete.setArray(1, array);
            delete.executeUpdate();
        } finally {
            array.free();
        }
    }

    private boolean heartbeatDue() {
        if (heartbeat == null) {
            return false;
        }
        Instant last = lastHeartbeat;
        return last == null || !Instant.now().isBefore(last.plus(heartbeat.interval()));
    }

    private void sendHeartbeats(Instant watermark) throws NotAcknowledged {
        Producer<String, String> p = producer();
        List<PartitionInfo> partitions = p.partitionsFor(heartbeat.topic());
        String value = heartbeat.payload().apply(watermark);
        List<Future<RecordMetadata>> sends = new ArrayList<>(partitions.size());
        for (PartitionInfo partition : partitions) {
            sends.add(p.send(new ProducerRecord<>(heartbeat.topic(), partition.partition(), null, value)));
        }
        long deadline = System.nanoTime() + sendTimeout.toNanos();
        for (Future<RecordMetadata> send : sends) {
            Throwable failure = await(send, deadline);
            if (failure != null) {
                throw new NotAcknowledged("heartbeat: " + failure.getMessage(), failure);
            }
        }
        lastHeartbeat = Instant.now();
    }

    private static ProducerRecord<String, String> record(Row row) {
        ProducerRecord<String, String> record = new ProducerRecord<>(row.topic(), row.key(), row.payload());
        try {
            JsonNode headers = Json.mapper().readTree(row.headers());
            headers.fields().forEachRemaining(h -> record.headers()
                    .add(h.getKey(), h.getValue().asText().getBytes(StandardCharsets.UTF_8)));
        } catch (Exception e) {
            LOG.warnf("outbox row %d has unreadable headers; publishing it without them", row.id());
        }
        return record;
    }

    /** Null when {@code send} was acknowledged by {@code deadline} (a {@link System#nanoTime()}), else why not. */
    private static Throwable await(Future<RecordMetadata> send, long deadline) {
        try {
            send.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            return null;
        } catch (ExecutionException e) {
            return e.getCause();
        } catch (TimeoutException e) {
            return e;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return e;
        }
    }

    private Producer<String, String> producer() {
        if (producer == null) {
            producer = new KafkaProducer<>(settings.producer(
                    "aiaas-outbox-" + name + "-" + Ids.randomBase62(6).toLowerCase(Locale.ROOT)));
        }
        return producer;
    }

    /** A producer that failed is replaced: a fresh one re-reads metadata and never carries a broken state. */
    private void closeProducer() {
        if (producer != null) {
            try {
                producer.close(Duration.ZERO);
            } catch (RuntimeException e) {
                LOG.debugf("closing the producer of outbox relay %s: %s", name, e);
            }
            producer = null;
        }
    }

    /** Gives up leadership: unlocks (so a pooled connection never keeps the lock) and closes the connection. */
    private void resign() {
        Connection c = connection;
        connection = null;
        boolean wasLeader = leader;
        leader = false;
        if (c == null) {
            return;
        }
        if (wasLeader) {
            try (PreparedStatement unlock = c.prepareStatement("SELECT pg_advisory_unlock(?, ?)")) {
                unlock.setInt(1, LOCK_CLASS);
                unlock.setInt(2, lockKey);
                unlock.execute();
            } catch (SQLException e) {
                // the session is gone, and the lock with it
            }
            LOG.infof("outbox relay %s no longer publishes %s", name, table);
        }
        try {
            c.close();
        } catch (SQLException e) {
            LOG.debugf("closing the connection of outbox relay %s: %s", name, e);
        }
    }

    private void failed(String what, Exception e) {
        consecutiveFailures++;
        lastFailure = what + ": " + e.getClass().getSimpleName();
        lastFailureAt = Instant.now();
    }

    private void await(Duration wait) {
        try {
            if (wake.tryAcquire(wait.toMillis(), TimeUnit.MILLISECONDS)) {
                wake.drainPermits();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            stopping = true;
        }
    }

    /** Options of an {@link OutboxRelay}. */
    public static final class Builder {
        private final String name;
        private final DataSource dataSource;
        private final String table;
        private final KafkaSettings settings;
        private int batchSize = 100;
        private Duration interval = Duration.ofSeconds(1);
        private Duration sendTimeout = Duration.ofSeconds(15);
        private Duration leaderRetry = Duration.ofSeconds(1);
        private Backoff backoff = new Backoff(Duration.ofMillis(500), Duration.ofSeconds(10));
        private Heartbeat heartbeat;

        private Builder(String name, DataSource dataSource, String table, KafkaSettings settings) {
            this.name = Objects.requireNonNull(name);
            this.dataSource = Objects.requireNonNull(dataSource);
            this.table = OutboxTable.checkName(table);
            this.settings = Objects.requireNonNull(settings);
        }

        /** Rows read, sent and deleted together. */
        public Builder batchSize(int batchSize) {
            if (batchSize < 1) {
                throw new IllegalArgumentException("batch size must be positive");
            }
            this.batchSize = batchSize;
            return this;
        }

        /** How often the leader looks for rows without being triggered. */
        public Builder interval(Duration interval) {
            this.interval = Objects.requireNonNull(interval);
            return this;
        }

        /** How long a batch's acknowledgements are awaited before its rest is left for the next pass. */
        public Builder sendTimeout(Duration sendTimeout) {
            this.sendTimeout = Objects.requireNonNull(sendTimeout);
            return this;
        }

        /** How often a standby tries to take the lock. */
        public Builder leaderRetry(Duration leaderRetry) {
            this.leaderRetry = Objects.requireNonNull(leaderRetry);
            return this;
        }

        /** The pause after a failed pass, growing with consecutive failures. */
        public Builder backoff(Backoff backoff) {
            this.backoff = Objects.requireNonNull(backoff);
            return this;
        }

        public Builder heartbeat(Heartbeat heartbeat) {
            this.heartbeat = heartbeat;
            return this;
        }

        public OutboxRelay build() {
            return new OutboxRelay(this);
        }
    }
}
