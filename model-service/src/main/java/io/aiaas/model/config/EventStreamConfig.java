package io.aiaas.model.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;

/** Job event streams ({@code GET /v1/jobs/{id}/events}), under {@code aiaas.model.event-streams.*}. */
@ConfigMapping(prefix = "aiaas.model.event-streams")
public interface EventStreamConfig {
    /**
     * How often an open stream gets a comment line when nothing else was sent, so that proxies and the gateway
     * (whose event-stream idle timeout is minutes) keep it open.
     */
    @WithDefault("15s")
    Duration keepAlive();

    /**
     * Threads that read new {@code job_event} rows for the open streams (each read is one short query); they bound
     * the database connections streams use whatever the number of streams.
     */
    @WithDefault("4")
    int readers();

    /** Rows one read fetches; a stream catching up on a long history reads again until it is up to date. */
    @WithDefault("100")
    int batchSize();

    /**
     * How long the LISTEN connection waits for notifications before it checks that the connection is still alive
     * (a dead peer that sent nothing is found within this time plus a query).
     */
    @WithDefault("5s")
    Duration listenCheckInterval();

    /** First pause before the lost LISTEN connection is opened again; doubles up to {@code reconnect-backoff-max}. */
    @WithDefault("100ms")
    Duration reconnectBackoff();

    /** The longest pause between two attempts to open the LISTEN connection. */
    @WithDefault("5s")
    Duration reconnectBackoffMax();
}
