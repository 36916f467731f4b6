package io.aiaas.worker.client;

/**
 * model-service refused a part of a batch job's output: this worker no longer holds the job for its attempt (the lease
 * lapsed, or the job ended). The run stops and publishes nothing; the job's holder, if any, resumes at its checkpoint.
 */
public class OutputRefusedException extends RuntimeException {
    public OutputRefusedException(String message) {
        super(message);
    }
}
