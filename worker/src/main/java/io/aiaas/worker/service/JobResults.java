package io.aiaas.worker.service;

/** Where finished jobs go: the results publisher commits them to Kafka, several jobs per transaction. */
public interface JobResults {

    /** Queues {@code result}; the job stays in {@link RunningJobs} until it is committed. */
    void publish(JobResult result);
}
