package io.aiaas.worker.inference;

/** The request cannot run on the model as sent (bad data, shape or datatype); the detail is safe for the tenant. */
public class InvalidInputException extends RuntimeException {
    public InvalidInputException(String detail) {
        super(detail, null, false, false);
    }
}
