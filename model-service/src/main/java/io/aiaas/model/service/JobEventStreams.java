package io.aiaas.model.service;

import com.fasterxml.jackson.databind.JsonNode;
import io.aiaas.common.events.JobStatus;
import io.aiaas.common.json.Json;
import io.aiaas.messaging.Backoff;
import io.aiaas.model.config.EventStreamConfig;
import io.aiaas.model.repository.JobEventNotifications;
import io.aiaas.model.repository.JobEventRepository;
import io.aiaas.model.repository.JobEventRepository.Row;
import io.aiaas.model.repository.JobViewRepository;
import io.aiaas.model.repository.JobViewRepository.StreamStart;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.subscription.MultiEmitter;
import io.vertx.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.io.IOException;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * Event streams of jobs: each replays the job's {@code job_event} rows after the client's last seen {@code seq}, then
 * follows new rows until the terminal {@code status} row has been sent. A job deleted while its stream follows it (its
 * tenant was purged while it ran) ends the stream with a last {@code status} event {@code cancelled}: the purge
 * cancelled it, and its own rows went with it.
 *
 * <p>No thread per stream. One LISTEN connection per replica ({@link JobEventNotifications}) learns at every commit
 * which jobs have new rows; the streams of such a job are woken and read their new rows on a small pool of reader
 * threads ({@code readers}), one read at a time per stream, and emit them. A stream never misses a row: it registers
 * before its first read, and every time LISTEN takes effect again after a lost connection every open stream re-reads
 * since its last seq. One Vert.x timer sends the keep-alive comments of all streams.
 */
@ApplicationScoped
public class JobEventStreams {
    private static final Logger LOG = Logger.getLogger(JobEventStreams.class);

    /** What a stream emits: a job event row, or a keep-alive (a comment line). */
    public sealed interface Item {
        /** A row of the job's event log: {@code kind} {@code status} or {@code progress}, {@code data} its JSON. */
        record Event(int seq, String kind, String data) implements Item {}

        record KeepAlive() implements Item {}
    }

    private static final Item KEEP_ALIVE = new Item.KeepAlive();

    private final JobViewRepository views;
    private final JobEventRepository events;
    private final EventStreamConfig config;
    private final Vertx vertx;
    private final MeterRegistry metrics;
    private final String jdbcUrl;
    private final String username;
    private final String password;
    private final ConcurrentHashMap<String, Set<Stream>> byJob = new ConcurrentHashMap<>();
    private final AtomicInteger open = new AtomicInteger();
    private ExecutorService readers;
    private JobEventNotifications notifications;
    private long keepAliveTimer = -1;

    public JobEventStreams(
            JobViewRepository views,
            JobEventRepository events,
            EventStreamConfig config,
            Vertx vertx,
            MeterRegistry metrics,
            @ConfigProperty(name = "quarkus.datasource.jdbc.url") String jdbcUrl,
            @ConfigProperty(name = "quarkus.datasource.username") java.util.Optional<String> username,
            @ConfigProperty(name = "quarkus.datasource.password") java.util.Optional<String> password) {
        this.views = views;
        this.events = events;
        this.config = config;
        this.vertx = vertx;
        this.metrics = metrics;
        this.jdbcUrl = jdbcUrl;
        this.username = username.orElse(null);
        this.password = password.orElse(null);
    }

    void start(@Observes StartupEvent ignored) {
        AtomicInteger threads = new AtomicInteger();
        readers = Executors.newFixedThreadPool(config.readers(), r -> {
            Thread t = new Thread(r, "job-event-reader-" + threads.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        notifications = new JobEventNotifications(
                        jdbcUrl,
                        username,
                        password,
                        config.listenCheckInterval(),
                        new Backoff(config.reconnectBackoff(), config.reconnectBackoffMax()),
                        this::notified,
                        this::wakeAll)
                .start();
        keepAliveTimer = vertx.setPeriodic(config.keepAlive().toMillis(), id -> keepAlive());
        Gauge.builder("aiaas.job.event.streams.open", open, AtomicInteger::get)
                .description("Open job event streams on this replica")
                .register(metrics);
        Gauge.builder("aiaas.job.event.streams.listening", this, s -> s.listening() ? 1 : 0)
                .description("1 while this replica's LISTEN connection for job events is up")
                .register(metrics);
    }

    void stop(@Observes ShutdownEvent ignored) {
        if (keepAliveTimer >= 0) {
            vertx.cancelTimer(keepAliveTimer);
        }
        if (notifications != null) {
            notifications.close();
        }
        // Ending the streams lets clients reconnect (with Last-Event-ID) to another replica.
        byJob.values().forEach(set -> set.forEach(Stream::end));
        if (readers != null) {
            readers.shutdownNow();
        }
    }

    /**
     * The stream of the tenant's job after event {@code afterSeq} (0: from the start). Another tenant's job, or none,
     * is empty; the caller answers 404 then. An {@code afterSeq} beyond the job's last event counts as its last event.
     * Blocking (one query): call it off the event loop.
     */
    public java.util.Optional<Multi<Item>> open(String tenantId, String jobId, int afterSeq) {
        java.util.Optional<StreamStart> start =
                QuarkusTransaction.requiringNew().call(() -> views.streamStart(tenantId, jobId));
        return start.map(s -> {
            boolean ended = JobStatus.fromWire(s.status()).terminal();
            int from = Math.min(afterSeq, s.eventSeq());
            return Multi.createFrom().<Item>emitter(emitter -> {
                Stream stream = new Stream(tenantId, jobId, from, ended, emitter);
                emitter.onTermination(() -> unregister(stream));
                register(stream);
                stream.wake();
            });
        });
    }

    /** Streams open on this replica now. */
    public int openStreams() {
        return open.get();
    }

    /** Whether this replica's LISTEN connection is up. */
    public boolean listening() {
        return notifications != null && notifications.listening();
    }

    private void register(Stream stream) {
        byJob.computeIfAbsent(stream.jobId, k -> ConcurrentHashMap.newKeySet()).add(stream);
        open.incrementAndGet();
    }

    private void unregister(Stream stream) {
        byJob.computeIfPresent(stream.jobId, (k, set) -> {
            if (set.remove(stream)) {
                open.decrementAndGet();
            }
            return set.isEmpty() ? null : set;
        });
    }

    private void notified(String jobId) {
        Set<Stream> streams = byJob.get(jobId);
        if (streams != null) {
            streams.forEach(Stream::wake);
        }
    }

    private void wakeAll() {
        byJob.values().forEach(set -> set.forEach(Stream::wake));
    }

    private void keepAlive() {
        byJob.values().forEach(set -> set.forEach(s -> s.emitter.emit(KEEP_ALIVE)));
    }

    private static boolean terminalStatus(Row row) {
        if (!JobEventLog.STATUS.equals(row.kind())) {
            return false;
        }
        try {
            JsonNode status = Json.mapper().readTree(row.data()).get("status");
            return status != null && JobStatus.fromWire(status.asText()).terminal();
        } catch (IOException | IllegalArgumentException e) {
            return false;
        }
    }

    /** One client's stream of one job. Reads are serialised: a wake during a read makes one more read after it. */
    private final class Stream {
        final String tenantId;
        final String jobId;
        final MultiEmitter<? super Item> emitter;
        /** The job was terminal when the stream opened: once caught up, the stream ends. */
        final boolean endWhenCaughtUp;

        private final AtomicInteger wakes = new AtomicInteger();
        private volatile int lastSeq;
        private volatile boolean ended;

        Stream(
                String tenantId,
                String jobId,
                int lastSeq,
                boolean endWhenCaughtUp,
                MultiEmitter<? super Item> emitter) {
            this.tenantId = tenantId;
            this.jobId = jobId;
            this.lastSeq = lastSeq;
            this.endWhenCaughtUp = endWhenCaughtUp;
            this.emitter = emitter;
        }

        void wake() {
            if (!ended && wakes.getAndIncrement() == 0) {
                try {
                    readers.execute(this::drain);
                } catch (RejectedExecutionException e) {
                    end(); // shutting down
                }
            }
        }

        private void drain() {
            int missed = 1;
            do {
                if (ended || emitter.isCancelled()) {
                    return;
                }
                try {
                    readNew();
                } catch (RuntimeException e) {
                    // The database may be down: the LISTEN connection then fails too, and wakes every stream once it
                    // is back. A retry covers a failure of this read alone.
                    LOG.debugf("reading events of job %s failed: %s", jobId, e.toString());
                    vertx.setTimer(1_000, id -> wake());
                }
                missed = wakes.addAndGet(-missed);
            } while (missed != 0);
        }

        private void readNew() {
            int batch = config.batchSize();
            while (!ended) {
                int after = lastSeq;
                List<Row> rows = QuarkusTransaction.requiringNew().call(() -> events.since(jobId, after, batch));
                for (Row row : rows) {
                    lastSeq = row.seq();
                    emitter.emit(new Item.Event(row.seq(), row.kind(), row.data()));
                    if (terminalStatus(row)) {
                        end();
                        return;
                    }
                }
                if (rows.size() < batch) {
                    if (endWhenCaughtUp) {
                        end();
                    } else if (rows.isEmpty() && deleted()) {
                        // a wake without new rows: the purge deletes a job's rows with the job, and announces it
                        emitter.emit(new Item.Event(
                                lastSeq + 1,
                                JobEventLog.STATUS,
                                JobEventLog.statusData(
                                        JobStatus.CANCELLED.wire(),
                                        Instant.now().truncatedTo(ChronoUnit.MILLIS))));
                        end();
                    }
                    return;
                }
            }
        }

        private boolean deleted() {
            return QuarkusTransaction.requiringNew()
                    .call(() -> views.streamStart(tenantId, jobId))
                    .isEmpty();
        }

        void end() {
            if (!ended) {
                ended = true;
                emitter.complete();
            }
        }
    }
}
