package io.aiaas.messaging.consumer;

/** What a {@link ConsumerLoop} hands its batches to; called on the loop's own thread, never concurrently. */
public interface BatchHandler<T> {

    /**
     * Handles a batch. Returning normally means every delivery of it is done; throwing means the deliveries not
     * marked done ({@link Batch#markDone}, {@link Batch#each}) are read again after a backoff. Throwing
     * {@link ConsumerLoop.RestartRequested} makes the loop close its consumer and start a new one.
     */
    void handle(Batch<T> batch) throws Exception;

    /** Called on the loop's thread each time a new consumer starts, before it joins; throwing counts as a failure. */
    default void consumerStarted() throws Exception {}

    /** Called on the loop's thread each time a consumer is closed (failure, restart or stop). */
    default void consumerStopped() {}
}
