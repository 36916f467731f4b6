package io.aiaas.worker.config;

import io.aiaas.common.id.Ids;
import jakarta.inject.Singleton;
import java.net.InetAddress;
import java.util.Locale;

/** Who this worker is: its id names it in job events, service tokens and its Kafka transactional id. */
@Singleton
public class WorkerIdentity {
    private final String workerId;

    public WorkerIdentity(WorkerConfig config) {
        this.workerId = config.id().filter(id -> !id.isBlank()).orElseGet(WorkerIdentity::defaultId);
    }

    public String workerId() {
        return workerId;
    }

    public String transactionalId() {
        return "aiaas-worker-" + workerId;
    }

    /** Host name plus a random suffix, so two workers on one host (or a restarted one) never share an id. */
    static String defaultId() {
        String host = System.getenv("HOSTNAME");
        if (host == null || host.isBlank()) {
            try {
                host = InetAddress.getLocalHost().getHostName();
            } catch (Exception e) {
                host = "worker";
            }
        }
        String cleaned = host.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9.-]", "-");
        return cleaned + "-" + Ids.randomBase62(6).toLowerCase(Locale.ROOT);
    }
}
