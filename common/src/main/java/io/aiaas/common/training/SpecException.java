package io.aiaas.common.training;

/**
 * A training spec that cannot be trained as sent. The detail names the member by its path in the submission (e.g.
 * {@code spec.layers[2].units}) and is safe to show the caller. At submission the status follows the contract's "400 or
 * 422": 400 for {@link Reason#UNREADABLE}, 422 for {@link Reason#INVALID}.
 */
public class SpecException extends RuntimeException {

    public enum Reason {
        /** The spec cannot be read: a wrong JSON type (a string for a number, a fraction for an integer) or a member
         * that is required is missing. */
        UNREADABLE,
        /** It reads, but cannot be trained: an unknown member or name, a value out of range, layers that do not fit
         * together, the dataset or the loss. */
        INVALID
    }

    private final Reason reason;
    private final String path;

    public SpecException(Reason reason, String path, String detail) {
        super(detail, null, false, false);
        this.reason = reason;
        this.path = path;
    }

    static SpecException unreadable(String path, String detail) {
        return new SpecException(Reason.UNREADABLE, path, detail);
    }

    static SpecException invalid(String path, String detail) {
        return new SpecException(Reason.INVALID, path, detail);
    }

    public Reason reason() {
        return reason;
    }

    /** The member at fault, e.g. {@code spec.layers[2].units}; {@code spec} for the spec as a whole. */
    public String path() {
        return path;
    }
}
