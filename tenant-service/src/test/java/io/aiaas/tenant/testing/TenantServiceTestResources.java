package io.aiaas.tenant.testing;

import io.aiaas.infra.testing.InfraTestResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;

/**
 * The test resources of every {@code @QuarkusTest} here, declared once: real PostgreSQL and Kafka, and the key files
 * of internal tokens.
 */
@QuarkusTestResource(
        value = InfraTestResource.class,
        initArgs = {@ResourceArg(name = "postgres", value = "true"), @ResourceArg(name = "kafka", value = "true")})
@QuarkusTestResource(InternalKeysResource.class)
public final class TenantServiceTestResources {
    private TenantServiceTestResources() {}
}
