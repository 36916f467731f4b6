package io.aiaas.gateway.messaging;

import io.aiaas.common.events.TenantEvent;
import io.aiaas.common.json.Json;
import io.aiaas.gateway.auth.KeyVerificationCache;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Set;
import org.jboss.logging.Logger;

/**
 * Applies {@code aiaas.tenant-events.v1} to the key cache: key revoked, tenant suspended / resumed / deleted and plan
 * changed drop the affected cached keys at once; heartbeats ({@code at} = watermark) keep cached keys trusted. Fed by
 * the messaging foundation's broadcast consumer through {@link TenantEventFeed}.
 */
@ApplicationScoped
public class TenantEventsListener implements TenantEventFeed {
    private static final Logger LOG = Logger.getLogger(TenantEventsListener.class);

    private final KeyVerificationCache keys;

    public TenantEventsListener(KeyVerificationCache keys) {
        this.keys = keys;
    }

    @Override
    public void partitionsAssigned(Set<Integer> partitions) {
        LOG.infof("tenant events: reading partitions %s; cached keys forgotten until heartbeats arrive", partitions);
        keys.partitionsAssigned(partitions);
    }

    @Override
    public void received(int partition, String value) {
        TenantEvent event;
        try {
            event = Json.read(value, TenantEvent.class);
        } catch (IllegalArgumentException e) {
            LOG.warnf("tenant events: unreadable record on partition %d skipped", partition);
            return;
        }
        apply(partition, event);
    }

    /** One event of {@code partition}, already read. */
    public void apply(int partition, TenantEvent event) {
        if (TenantEvent.TYPE_HEARTBEAT.equals(event.type())) {
            if (event.at() != null) {
                keys.heartbeat(partition, event.at());
            }
            return;
        }
        keys.apply(event);
    }
}
