package io.aiaas.worker.client;

/** The artifact of a job's model version is gone or unusable: retrying will not help, the job fails. */
public class ArtifactUnavailableException extends RuntimeException {
    public ArtifactUnavailableException(String message) {
        super(message);
    }
}
