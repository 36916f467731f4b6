package io.aiaas.model.domain;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;

/** A job event already applied: a redelivery of it changes nothing. */
@Entity
@Table(name = "job_event_seen")
public class JobEventSeen {
    @Id
    @Column(name = "event_id")
    public String eventId;

    @Column(name = "job_id", nullable = false)
    public String jobId;

    @Column(name = "seen_at", nullable = false)
    public Instant seenAt;
}
