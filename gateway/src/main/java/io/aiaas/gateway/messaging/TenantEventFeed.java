package io.aiaas.gateway.messaging;

import java.util.Set;

/**
 * What a broadcast consumer of {@code aiaas.tenant-events.v1} hands this gateway replica (every replica reads every
 * partition). The platform's consumer foundation calls it on its consumer thread; calls are quick and never block.
 */
public interface TenantEventFeed {

    /**
     * The partitions now read, on start and on every (re)assignment; events before it may have been missed, so the
     * gateway forgets what it cached and waits for heartbeats anew.
     */
    void partitionsAssigned(Set<Integer> partitions);

    /**
     * One record's value (a {@code TenantEvent} as JSON) in partition order. A record that cannot be read is logged
     * and skipped; the next heartbeat is what restores trust.
     */
    void received(int partition, String value);
}
