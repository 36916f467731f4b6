package io.aiaas.worker.config;

import io.aiaas.common.id.Ids;
import jakarta.inject.Singleton;
import java.net.InetAddress;
import java.util.Locale;

/**
 * Who this worker is: its id names it in job events, claims, heartbeats, service tokens and its Kafka transactional
 * id; its incarnation tells model-service that the process behind the id was restarted.
 */
@Singleton
public class WorkerIdentity {
    private final String workerId;
    private final String incarnation = Ids.randomBase62(16);

    public WorkerIdentity(WorkerConfig config) {
        this.workerId =
                config.id().map(String::trim).filter(id -> !id.isEmpty()).orElseGet(WorkerIdentity::hostName);
    }

    public String workerId() {
        return workerId;
    }

    /** Random per process start: a new one makes model-service lapse the leases the previous process held. */
    public String incarnation() {
        return incarnation;
    }

    /** Stable across restarts under the same id, so a restarted worker fences its predecessor's transactions. */
    public String transactionalId() {
        return "aiaas-worker-" + workerId;
    }

    /** The host name (a pod's name), which stays the same when the worker restarts in place. */
    static String hostName() {
        String host = System.getenv("HOSTNAME");
        if (host == null || host.isBlank()) {
            try {
                host = InetAddress.getLocalHost().getHostName();
            } catch (Exception e) {
                host = "worker";
            }
        }
        String cleaned = host.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9.-]", "-");
        return cleaned.length() > 100 ? cleaned.substring(0, 100) : cleaned;
    }
}
