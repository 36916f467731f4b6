package io.aiaas.worker.client;

/** model-service could not be reached or answered with a transient failure: the job stays on Kafka for later. */
public class ModelServiceUnavailableException extends RuntimeException {
    public ModelServiceUnavailableException(String message) {
        super(message);
    }

    public ModelServiceUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
