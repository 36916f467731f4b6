package io.aiaas.gateway.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.aiaas.common.auth.Scopes;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The benchmark's "checks off" switch exists only under the profile {@code bench}. */
class UncheckedTenantTest {

    @Test
    void withoutTheBenchProfileTheSwitchStopsTheGatewayFromStarting() {
        IllegalStateException refused =
                assertThrows(IllegalStateException.class, () -> UncheckedTenant.of("ten_x", List.of("prod")));
        assertTrue(refused.getMessage().contains("'bench'"), refused.getMessage());
        assertThrows(IllegalStateException.class, () -> UncheckedTenant.of("ten_x", List.of()));
    }

    @Test
    void underTheBenchProfileTheCallerIsTheTenantWithEveryScopeAndNoPlan() {
        Caller.Tenant caller = UncheckedTenant.of("ten_bench", List.of("prod", "bench"));
        assertEquals("ten_bench", caller.tenantId());
        assertEquals(Scopes.ALL, caller.scopes());
        assertNull(caller.plan(), "no plan: no rate limit, no quota");
    }
}
