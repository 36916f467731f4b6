package io.aiaas.tenant.domain;

import io.aiaas.common.events.UsageEvent;
import java.util.Optional;

/** What was billed, from the CloudEvent {@code type}. */
public enum UsageKind {
    PREDICT("predict", UsageEvent.TYPE_PREDICT),
    INFERENCE_JOB("inference-job", UsageEvent.TYPE_INFERENCE_JOB),
    TRAINING_JOB("training-job", UsageEvent.TYPE_TRAINING_JOB);

    private final String value;
    private final String eventType;

    UsageKind(String value, String eventType) {
        this.value = value;
        this.eventType = eventType;
    }

    public String value() {
        return value;
    }

    public static Optional<UsageKind> ofEventType(String type) {
        for (UsageKind k : values()) {
            if (k.eventType.equals(type)) {
                return Optional.of(k);
            }
        }
        return Optional.empty();
    }
}
