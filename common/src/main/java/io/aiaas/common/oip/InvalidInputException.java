package io.aiaas.common.oip;

/**
 * Inputs that cannot run on a signature as sent. The detail is safe to show the caller. Where it surfaces, the
 * caller's status follows the contract: at job submission 400 for {@link Reason#UNREADABLE} and 422 for
 * {@link Reason#MISMATCH}; a worker fails the job as {@code unprocessable}.
 */
public class InvalidInputException extends RuntimeException {

    public enum Reason {
        /** The tensor cannot be read at all: a member missing (name, shape, datatype or data). */
        UNREADABLE,
        /** It reads, but does not fit: unknown datatype, wrong shape, data or values, unknown signature or input. */
        MISMATCH
    }

    private final Reason reason;

    public InvalidInputException(Reason reason, String detail) {
        super(detail, null, false, false);
        this.reason = reason;
    }

    public static InvalidInputException unreadable(String detail) {
        return new InvalidInputException(Reason.UNREADABLE, detail);
    }

    public static InvalidInputException mismatch(String detail) {
        return new InvalidInputException(Reason.MISMATCH, detail);
    }

    public Reason reason() {
        return reason;
    }
}
