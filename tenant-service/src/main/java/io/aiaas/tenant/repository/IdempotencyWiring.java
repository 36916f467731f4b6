package io.aiaas.tenant.repository;

import io.aiaas.common.quarkus.idempotency.IdempotencyLedger;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import javax.sql.DataSource;

/** The answers given under {@code Idempotency-Key}s, kept in this service's schema (V3). */
@Singleton
public class IdempotencyWiring {
    public static final String TABLE = "idempotency_key";

    @Produces
    @Singleton
    IdempotencyLedger idempotencyLedger(DataSource dataSource) {
        return new IdempotencyLedger(dataSource, TABLE);
    }
}
