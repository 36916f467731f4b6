package io.aiaas.gateway.predict;

import java.util.Optional;
import java.util.regex.Pattern;

/**
 * A path of the prediction protocols, read: which call, on which model, by version or label. Open Inference Protocol
 * v2 under {@code /v2}, TF Serving's REST API under {@code /tfserving/v1}. The path is the raw one
 * ({@code PublicPath} has already refused dot segments and encoded slashes).
 *
 * @param model the model name; null for the server calls
 * @param version the version segment as written (a positive integer if it names one of ours); null when none
 * @param label the TF Serving label (an alias) segment; null when none
 */
public record PredictionPath(Call call, String model, String version, String label) {

    /** What is asked; each call takes one method. */
    public enum Call {
        SERVER_METADATA(false, false),
        LIVE(false, false),
        READY(false, false),
        MODEL_METADATA(false, false),
        MODEL_READY(false, false),
        INFER(true, false),
        TF_STATUS(false, true),
        TF_METADATA(false, true),
        TF_PREDICT(true, true);

        private final boolean post;
        private final boolean tfServing;

        Call(boolean post, boolean tfServing) {
            this.post = post;
            this.tfServing = tfServing;
        }

        /** The one method it answers ({@code Allow}). */
        public String method() {
            return post ? "POST" : "GET";
        }

        public boolean tfServing() {
            return tfServing;
        }
    }

    /** Model names as the platform allows them (CONTRACT, Models): anything else names no model. */
    private static final Pattern MODEL_NAME = Pattern.compile("^[a-z0-9][a-z0-9-]{0,62}$");

    private static final String TF_PREDICT_SUFFIX = ":predict";

    /** The call {@code path} names, or empty when it names none (404). */
    public static Optional<PredictionPath> parse(String path) {
        if (path.startsWith("/v2")) {
            return oip(path.substring(3));
        }
        if (path.startsWith("/tfserving/v1/models/")) {
            return tfServing(path.substring("/tfserving/v1/models/".length()));
        }
        return Optional.empty();
    }

    /** The version this path names, or -1 when it names none or one that cannot exist (not a positive integer). */
    public int versionNumber() {
        return positiveInt(version);
    }

    private static Optional<PredictionPath> oip(String rest) {
        switch (rest) {
            case "":
                return of(Call.SERVER_METADATA, null, null, null);
            case "/health/live":
                return of(Call.LIVE, null, null, null);
            case "/health/ready":
                return of(Call.READY, null, null, null);
            default:
                break;
        }
        if (!rest.startsWith("/models/")) {
            return Optional.empty();
        }
        String[] s = rest.substring("/models/".length()).split("/", -1);
        String model = s[0];
        String version = null;
        int next = 1;
        if (s.length >= 3 && s[1].equals("versions")) {
            version = s[2];
            next = 3;
        }
        if (version != null && version.isEmpty()) {
            return Optional.empty();
        }
        if (s.length == next) {
            return of(Call.MODEL_METADATA, model, version, null);
        }
        if (s.length == next + 1) {
            switch (s[next]) {
                case "ready":
                    return of(Call.MODEL_READY, model, version, null);
                case "infer":
                    return of(Call.INFER, model, version, null);
                default:
                    return Optional.empty();
            }
        }
        return Optional.empty();
    }

    /** {@code {name}[/versions/{v}|/labels/{l}][/metadata]} or the same ending in {@code :predict}. */
    private static Optional<PredictionPath> tfServing(String rest) {
        boolean predict = rest.endsWith(TF_PREDICT_SUFFIX);
        if (predict) {
            rest = rest.substring(0, rest.length() - TF_PREDICT_SUFFIX.length());
        }
        String[] s = rest.split("/", -1);
        String version = null;
        String label = null;
        int next = 1;
        if (s.length >= 3 && (s[1].equals("versions") || s[1].equals("labels"))) {
            if (s[2].isEmpty()) {
                return Optional.empty();
            }
            if (s[1].equals("versions")) {
                version = s[2];
            } else {
                label = s[2];
            }
            next = 3;
        }
        if (s.length == next) {
            return of(predict ? Call.TF_PREDICT : Call.TF_STATUS, s[0], version, label);
        }
        if (!predict && s.length == next + 1 && s[next].equals("metadata")) {
            return of(Call.TF_METADATA, s[0], version, label);
        }
        return Optional.empty();
    }

    private static Optional<PredictionPath> of(Call call, String model, String version, String label) {
        // ":classify", ":regress" and anything else with a colon is not a call of ours
        if (model != null && (model.isEmpty() || model.indexOf(':') >= 0)) {
            return Optional.empty();
        }
        return Optional.of(new PredictionPath(call, model, version, label));
    }

    /** Whether {@link #model} can be a model's name at all; a name that cannot is no model (404, nothing asked). */
    public boolean modelNameValid() {
        return model != null && MODEL_NAME.matcher(model).matches();
    }

    private static int positiveInt(String s) {
        if (s == null || s.isEmpty() || s.length() > 10) {
            return -1;
        }
        long value = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            value = value * 10 + (c - '0');
        }
        return value >= 1 && value <= Integer.MAX_VALUE ? (int) value : -1;
    }
}
