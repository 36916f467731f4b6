package io.aiaas.tenant.api;

import io.aiaas.common.quarkus.openapi.OpenApiChecks;
import io.quarkus.test.junit.QuarkusTest;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * tenant-service's generated OpenAPI document describes every public operation fully, for the gateway to assemble the
 * public API document from it; the gateway's key verification endpoint is not in it.
 */
@QuarkusTest
class OpenApiDocumentTest {

    @Test
    void listsAndDescribesEveryPublicOperation() {
        OpenApiChecks.check(
                Set.of(
                        "GET /v1/api-keys listApiKeys",
                        "POST /v1/api-keys createApiKey",
                        "GET /v1/api-keys/{keyId} getApiKey",
                        "DELETE /v1/api-keys/{keyId} revokeApiKey",
                        "GET /v1/usage getUsage",
                        "GET /admin/v1/plans adminListPlans",
                        "POST /admin/v1/plans adminCreatePlan",
                        "GET /admin/v1/plans/{name} adminGetPlan",
                        "PUT /admin/v1/plans/{name} adminReplacePlan",
                        "GET /admin/v1/tenants adminListTenants",
                        "POST /admin/v1/tenants adminCreateTenant",
                        "GET /admin/v1/tenants/{id} adminGetTenant",
                        "PATCH /admin/v1/tenants/{id} adminUpdateTenant",
                        "DELETE /admin/v1/tenants/{id} adminDeleteTenant",
                        "POST /admin/v1/tenants/{id}/suspend adminSuspendTenant",
                        "POST /admin/v1/tenants/{id}/resume adminResumeTenant",
                        "GET /admin/v1/tenants/{id}/api-keys adminListTenantApiKeys",
                        "POST /admin/v1/tenants/{id}/api-keys adminCreateTenantApiKey",
                        "GET /admin/v1/tenants/{id}/api-keys/{keyId} adminGetTenantApiKey",
                        "DELETE /admin/v1/tenants/{id}/api-keys/{keyId} adminRevokeTenantApiKey",
                        "GET /admin/v1/audit adminListAudit",
                        "GET /admin/v1/usage adminGetUsage",
                        "GET /admin/v1/usage/export adminExportUsage"),
                Set.of("API keys", "Usage", "Admin plans", "Admin tenants", "Admin audit", "Admin usage"));
    }
}
