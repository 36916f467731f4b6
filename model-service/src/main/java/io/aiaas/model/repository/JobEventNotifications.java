package io.aiaas.model.repository;

import io.aiaas.messaging.Backoff;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Objects;
import java.util.Properties;
import java.util.function.Consumer;
import org.jboss.logging.Logger;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;

/**
 * The one {@code LISTEN aiaas_job_events} connection of this replica: it hands each notified job id to
 * {@code onJob}, and calls {@code onListening} every time LISTEN took effect (at start and after every reconnection),
 * when listeners must re-read what they may have missed while it was down.
 *
 * <p>Why a plain pgjdbc connection on one thread and not the reactive client's {@code PgSubscriber}: it needs only
 * the JDBC URL and credentials every deployment already gives ({@code AIAAS_DB_URL}), where the reactive client would
 * need a second datasource in another URL form configured everywhere; one parked thread per replica costs nothing, and
 * the streams themselves hold no thread. The connection is not taken from the pool: it lives as long as the replica
 * and must not count against request traffic, nor go back to the pool broken when the server ends it.
 */
public final class JobEventNotifications implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(JobEventNotifications.class);
    /** Shows in {@code pg_stat_activity.application_name}, so operators (and tests) can find the connection. */
    public static final String APPLICATION_NAME = "aiaas-job-event-listener";

    private final String jdbcUrl;
    private final Properties properties;
    private final Duration checkInterval;
    private final Backoff backoff;
    private final Consumer<String> onJob;
    private final Runnable onListening;
    private final Thread thread;
    private volatile boolean running = true;
    private volatile boolean listening;
    private volatile Connection connection;
    private volatile long reconnections;

    public JobEventNotifications(
            String jdbcUrl,
            String username,
            String password,
            Duration checkInterval,
            Backoff backoff,
            Consumer<String> onJob,
            Runnable onListening) {
        this.jdbcUrl = Objects.requireNonNull(jdbcUrl);
        this.properties = new Properties();
        if (username != null) {
            properties.setProperty("user", username);
        }
        if (password != null) {
            properties.setProperty("password", password);
        }
        properties.setProperty("ApplicationName", APPLICATION_NAME);
        properties.setProperty("connectTimeout", "5");
        properties.setProperty("tcpKeepAlive", "true");
        this.checkInterval = checkInterval;
        this.backoff = backoff;
        this.onJob = onJob;
        this.onListening = onListening;
        this.thread = new Thread(this::run, APPLICATION_NAME);
        thread.setDaemon(true);
    }

    public JobEventNotifications start() {
        thread.start();
        return this;
    }

    /** Whether LISTEN is in effect now. */
    public boolean listening() {
        return listening;
    }

    /** How often the connection was opened again after it was lost. */
    public long reconnections() {
        return reconnections;
    }

    private void run() {
        int failures = 0;
        boolean everListened = false;
        while (running) {
            try (Connection c = new org.postgresql.Driver().connect(jdbcUrl, properties)) {
                if (c == null) {
                    throw new SQLException("not a PostgreSQL JDBC URL");
                }
                connection = c;
                try (Statement s = c.createStatement()) {
                    s.execute("LISTEN " + JobEventRepository.CHANNEL);
                }
                if (everListened) {
                    reconnections++;
                    LOG.infof("listening to %s again", JobEventRepository.CHANNEL);
                }
                everListened = true;
                failures = 0;
                listening = true;
                onListening.run();
                listen(c);
            } catch (SQLException | RuntimeException e) {
                listening = false;
                if (!running) {
                    return;
                }
                failures++;
                if (failures == 1) {
                    // once per outage, without a stack trace: the message says what happened
                    LOG.warnf("lost the %s connection (%s); reconnecting", JobEventRepository.CHANNEL, e.getMessage());
                }
                pause(backoff.after(failures));
            } finally {
                listening = false;
                connection = null;
            }
        }
    }

    private void listen(Connection c) throws SQLException {
        PGConnection pg = c.unwrap(PGConnection.class);
        int timeout = (int) Math.max(1, checkInterval.toMillis());
        while (running) {
            PGNotification[] notifications = pg.getNotifications(timeout);
            if (notifications == null || notifications.length == 0) {
                // Quiet: prove the connection is alive (a peer that vanished without closing sends no error).
                try (Statement s = c.createStatement()) {
                    s.execute("SELECT 1");
                }
                continue;
            }
            for (PGNotification n : notifications) {
                try {
                    onJob.accept(n.getParameter());
                } catch (RuntimeException e) {
                    LOG.warnf("a job event notification could not be handed on: %s", e.toString());
                }
            }
        }
    }

    private void pause(Duration d) {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            running = false;
        }
    }

    @Override
    public void close() {
        running = false;
        Connection c = connection;
        if (c != null) {
            try {
                c.close();
            } catch (SQLException e) {
                // closing anyway
            }
        }
        thread.interrupt();
        try {
            thread.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
