package io.aiaas.model.domain;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;
import org.hibernate.annotations.JdbcTypeCode;
import org.hibernate.type.SqlTypes;

/** A Kafka record waiting to be published: written with the state change it announces, deleted once acknowledged. */
@Entity
@Table(name = "outbox")
public class OutboxRecord {
    @Id
    @GeneratedValue(strategy = GenerationType.IDENTITY)
    public Long id;

    @Column(nullable = false)
    public String topic;

    @Column(name = "record_key")
    public String recordKey;

    @Column(nullable = false, columnDefinition = "text")
    public String payload;

    /** Kafka headers as a JSON object of strings. */
    @JdbcTypeCode(SqlTypes.JSON)
    @Column(nullable = false)
    public String headers;

    @Column(name = "created_at", nullable = false)
    public Instant createdAt;
}
