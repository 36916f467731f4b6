package io.aiaas.tenant.service;

import static io.aiaas.tenant.testing.Api.as;
import static io.aiaas.tenant.testing.Api.asAdmin;
import static io.aiaas.tenant.testing.Api.createKey;
import static io.aiaas.tenant.testing.Api.createTenant;
import static io.aiaas.tenant.testing.Api.problem;
import static io.aiaas.tenant.testing.Api.uniqueName;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.aiaas.common.auth.ApiKeys;
import io.aiaas.tenant.testing.Tokens;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.ValidatableResponse;
import jakarta.inject.Inject;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Map;
import java.util.UUID;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;

/**
 * A deleted tenant's keys stop at once; their rows go in the background, chunk by chunk and resumably, while its
 * usage and audit rows stay for billing. The test runs {@link DeletedTenantKeys} itself ({@code %test} sets its
 * interval to an hour).
 */
@QuarkusTest
class DeletedTenantKeysTest {
    @Inject
    DeletedTenantKeys purger;

    @Inject
    DataSource dataSource;

    private static ValidatableResponse verify(String key) {
        return as(Tokens.gatewayService())
                .body(Map.of("keyHash", ApiKeys.hash(key)))
                .post("/internal/v1/api-keys/verify")
                .then();
    }

    private String queryString(String sql, String arg) {
        try (Connection c = dataSource.getConnection();
                PreparedStatement s = c.prepareStatement(sql)) {
            s.setString(1, arg);
            try (ResultSet rs = s.executeQuery()) {
                return rs.next() ? rs.getString(1) : null;
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    private long count(String sql, String arg) {
        return Long.parseLong(queryString(sql, arg));
    }

    private void execute(String sql, String arg) {
        try (Connection c = dataSource.getConnection();
                PreparedStatement s = c.prepareStatement(sql)) {
            s.setString(1, arg);
            s.executeUpdate();
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void aDeletedTenantsKeyRowsGoInTheBackgroundWhileItsUsageAndAuditStay() {
        String tenant = createTenant(uniqueName("purged"), "free");
        String other = createTenant(uniqueName("kept"), "free");
        String[] key = createKey(tenant, null);
        createKey(tenant, null);
        createKey(tenant, null);
        String[] otherKey = createKey(other, null);
        execute(
                "INSERT INTO usage_event (event_id, tenant_id, kind, model, version, device, examples, compute_millis,"
                        + " units, occurred_at, received_at, cloud_event) VALUES ('usage-" + UUID.randomUUID()
                        + "', ?, 'predict', 'm', 1, 'cpu', 1, 10, 1, now(), now(), '{}')",
                tenant);

        asAdmin().delete("/admin/v1/tenants/" + tenant).then().statusCode(204);
        // The keys stop at once, before their rows go.
        problem(verify(key[1]), 404, "not-found");
        assertEquals(3, count("SELECT count(*) FROM api_key WHERE tenant_id = ?", tenant));
        long audit = count("SELECT count(*) FROM audit WHERE tenant_id = ?", tenant);
        assertTrue(audit > 0, "the tenant's creation and deletion are audited");

        // A run that died after one chunk of one row: the rest goes at the next run.
        execute("DELETE FROM api_key WHERE key_id = ?", key[0]);
        assertNull(queryString("SELECT keys_purged_at FROM tenant WHERE id = ?", tenant));
        assertTrue(purger.runOnce() >= 1);
        assertEquals(0, count("SELECT count(*) FROM api_key WHERE tenant_id = ?", tenant));
        assertNotNull(queryString("SELECT keys_purged_at FROM tenant WHERE id = ?", tenant));
        assertEquals(1, count("SELECT count(*) FROM usage_event WHERE tenant_id = ?", tenant), "usage stays");
        assertEquals(audit, count("SELECT count(*) FROM audit WHERE tenant_id = ?", tenant), "audit stays");
        problem(verify(key[1]), 404, "not-found");

        // Another tenant keeps its keys; a second run finds nothing to do.
        assertEquals(1, count("SELECT count(*) FROM api_key WHERE tenant_id = ?", other));
        verify(otherKey[1]).statusCode(200).body("tenantId", equalTo(other));
        assertEquals(0, purger.runOnce());
        assertFalse(purger.purge(tenant), "a finished tenant is passed by");
    }
}
