package io.aiaas.gateway.support;

/**
 * Stand-in {@code /q/openapi} documents of tenant-service and model-service, shaped as smallrye-openapi generates
 * them: public and internal paths side by side, each service with its own components (both define a {@code Problem},
 * differently), some used only by internal paths.
 */
public final class OpenApiStandIns {
    private OpenApiStandIns() {}

    public static final String TENANT_SERVICE =
            """
            {
              "openapi": "3.1.0",
              "info": {"title": "AIaaS tenant service (internal)", "version": "0.1.0"},
              "tags": [{"name": "API keys"}, {"name": "Administration"}],
              "paths": {
                "/v1/api-keys": {
                  "get": {"tags": ["API keys"], "summary": "List the tenant's keys",
                    "parameters": [{"$ref": "#/components/parameters/Limit"}],
                    "responses": {"200": {"description": "A page of keys", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ApiKeyPage"}}}}}},
                  "post": {"tags": ["API keys"], "summary": "Create a key",
                    "requestBody": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/NewApiKey"}}}},
                    "responses": {"201": {"description": "The key, shown once", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ApiKeyCreated"}}}},
                                  "400": {"$ref": "#/components/responses/Invalid"}}}
                },
                "/v1/api-keys/{keyId}": {
                  "parameters": [{"name": "keyId", "in": "path", "required": true, "schema": {"type": "string"}}],
                  "get": {"summary": "One key", "responses": {"200": {"description": "The key", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ApiKey"}}}}}},
                  "delete": {"summary": "Revoke a key", "responses": {"204": {"description": "Revoked"}}}
                },
                "/v1/usage": {
                  "get": {"summary": "The tenant's usage", "responses": {"200": {"description": "Usage", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Usage"}}}}}}
                },
                "/admin/v1/plans": {
                  "get": {"tags": ["Administration"], "responses": {"200": {"description": "Plans", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/PlanPage"}}}}}},
                  "post": {"tags": ["Administration"], "requestBody": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Plan"}}}},
                    "responses": {"201": {"description": "Created", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Plan"}}}}}}
                },
                "/admin/v1/tenants": {
                  "get": {"responses": {"200": {"description": "Tenants", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/TenantPage"}}}}}},
                  "post": {"requestBody": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/NewTenant"}}}},
                    "responses": {"201": {"description": "Created", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Tenant"}}}},
                                  "409": {"$ref": "#/components/responses/Invalid"}}}
                },
                "/admin/v1/tenants/{id}/suspend": {
                  "post": {"parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "string"}}],
                    "responses": {"200": {"description": "Suspended", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Tenant"}}}}}}
                },
                "/admin/v1/audit": {
                  "get": {"responses": {"200": {"description": "Audit entries", "content": {"application/json": {"schema": {"type": "object"}}}}}}
                },
                "/admin/v1/usage": {
                  "get": {"responses": {"200": {"description": "Usage of every tenant", "content": {"application/json": {"schema": {"type": "object"}}}}}}
                },
                "/internal/v1/api-keys/verify": {
                  "post": {"summary": "Verify a key by its hash (gateway only)",
                    "requestBody": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/VerifyKey"}}}},
                    "responses": {"200": {"description": "The live key", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/VerifiedKeyView"}}}}}}
                }
              },
              "components": {
                "parameters": {"Limit": {"name": "limit", "in": "query", "schema": {"type": "integer"}}},
                "responses": {"Invalid": {"description": "Invalid", "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}}},
                "schemas": {
                  "ApiKey": {"type": "object", "properties": {"keyId": {"type": "string"}, "name": {"type": "string"}, "scopes": {"type": "array", "items": {"type": "string"}}}},
                  "ApiKeyPage": {"type": "object", "properties": {"items": {"type": "array", "items": {"$ref": "#/components/schemas/ApiKey"}}, "nextCursor": {"type": "string"}}},
                  "NewApiKey": {"type": "object", "properties": {"name": {"type": "string"}}},
                  "ApiKeyCreated": {"type": "object", "properties": {"keyId": {"type": "string"}, "key": {"type": "string"}}},
                  "Usage": {"type": "object", "properties": {"items": {"type": "array", "items": {"type": "object"}}}},
                  "Plan": {"type": "object", "properties": {"name": {"type": "string"}, "maxRequestBytes": {"type": "integer"}}},
                  "PlanPage": {"type": "object", "properties": {"items": {"type": "array", "items": {"$ref": "#/components/schemas/Plan"}}}},
                  "NewTenant": {"type": "object", "properties": {"name": {"type": "string"}, "plan": {"type": "string"}}},
                  "Tenant": {"type": "object", "properties": {"id": {"type": "string"}, "status": {"type": "string"}}},
                  "TenantPage": {"type": "object", "properties": {"items": {"type": "array", "items": {"$ref": "#/components/schemas/Tenant"}}}},
                  "Problem": {"type": "object", "properties": {"type": {"type": "string"}, "status": {"type": "integer"}, "requestId": {"type": "string"}}},
                  "VerifyKey": {"type": "object", "properties": {"keyHash": {"type": "string"}}},
                  "VerifiedKeyView": {"type": "object", "properties": {"tenantId": {"type": "string"}, "plan": {"$ref": "#/components/schemas/InternalPlanView"}}},
                  "InternalPlanView": {"type": "object", "properties": {"version": {"type": "integer"}}}
                }
              }
            }
            """;

    public static final String MODEL_SERVICE =
            """
            {
              "openapi": "3.1.0",
              "info": {"title": "AIaaS model-service", "version": "0.1.0"},
              "tags": [{"name": "Models"}],
              "paths": {
                "/v1/models": {
                  "get": {"tags": ["Models"], "responses": {"200": {"description": "Models", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ModelPage"}}}}}},
                  "post": {"tags": ["Models"], "requestBody": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/NewModel"}}}},
                    "responses": {"201": {"description": "Created", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Model"}}}},
                                  "409": {"description": "Name taken", "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}}}}
                },
                "/v1/models/{name}": {
                  "get": {"parameters": [{"name": "name", "in": "path", "required": true, "schema": {"type": "string"}}],
                    "responses": {"200": {"description": "A model", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Model"}}}}}}
                },
                "/v1/models/{name}/versions": {
                  "post": {"parameters": [{"name": "name", "in": "path", "required": true, "schema": {"type": "string"}}],
                    "requestBody": {"content": {"application/zip": {"schema": {"type": "string", "format": "binary"}}, "application/gzip": {"schema": {"type": "string", "format": "binary"}}}},
                    "responses": {"201": {"description": "A version", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ModelVersion"}}}}}}
                },
                "/v1/datasets": {
                  "post": {"requestBody": {"content": {"text/csv": {"schema": {"type": "string"}}}},
                    "responses": {"201": {"description": "A dataset", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Dataset"}}}}}}
                },
                "/v1/jobs": {
                  "post": {"requestBody": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/SubmitJob"}}}},
                    "responses": {"202": {"description": "Queued", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Job"}}}}}}
                },
                "/v1/jobs/{id}/events": {
                  "get": {"parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "string"}}],
                    "responses": {"200": {"description": "Status and progress", "content": {"text/event-stream": {"schema": {"type": "string"}}}}}}
                },
                "/admin/v1/models": {
                  "get": {"responses": {"200": {"description": "Catalogue", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ModelPage"}}}}}}
                },
                "/admin/v1/models/{name}/versions": {
                  "post": {"parameters": [{"name": "name", "in": "path", "required": true, "schema": {"type": "string"}}],
                    "requestBody": {"content": {"application/zip": {"schema": {"type": "string", "format": "binary"}}}},
                    "responses": {"201": {"description": "A version", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ModelVersion"}}}}}}
                },
                "/admin/v1/workers": {
                  "get": {"responses": {"200": {"description": "Workers", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/WorkerPage"}}}}}}
                },
                "/internal/v1/jobs/{jobId}/claim": {
                  "post": {"requestBody": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/ClaimRequest"}}}},
                    "responses": {"200": {"description": "Claimed", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ClaimAnswer"}}}}}}
                },
                "/internal/v1/artifacts/{modelId}/{version}": {
                  "get": {"responses": {"200": {"description": "The archive"}}}
                },
                "/v1/api-keys": {
                  "get": {"summary": "Claimed by the wrong service: the gateway routes this to tenant-service",
                    "responses": {"200": {"description": "Nothing", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Misrouted"}}}}}}
                }
              },
              "components": {
                "schemas": {
                  "Model": {"type": "object", "properties": {"name": {"type": "string"}, "owner": {"type": "string"}}},
                  "ModelPage": {"type": "object", "properties": {"items": {"type": "array", "items": {"$ref": "#/components/schemas/Model"}}, "nextCursor": {"type": "string"}}},
                  "NewModel": {"type": "object", "properties": {"name": {"type": "string"}}},
                  "ModelVersion": {"type": "object", "properties": {"version": {"type": "integer"}, "signatures": {"type": "object"}}},
                  "Dataset": {"type": "object", "properties": {"id": {"type": "string"}}},
                  "SubmitJob": {"type": "object", "properties": {"type": {"type": "string"}}},
                  "Job": {"type": "object", "properties": {"id": {"type": "string"}}},
                  "Problem": {"type": "object", "properties": {"type": {"type": "string"}, "status": {"type": "integer"}, "requestId": {"type": "string"}, "error": {"type": "string"}}},
                  "ClaimRequest": {"type": "object", "properties": {"workerId": {"type": "string"}}},
                  "ClaimAnswer": {"type": "object", "properties": {"proceed": {"type": "boolean"}}},
                  "WorkerPage": {"type": "object", "properties": {"items": {"type": "array"}, "nextCursor": {"type": "string"}}},
                  "Misrouted": {"type": "object"}
                }
              }
            }
            """;
}
