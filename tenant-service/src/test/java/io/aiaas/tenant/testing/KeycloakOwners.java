package io.aiaas.tenant.testing;

import io.aiaas.infra.testing.InfraTestResource;
import io.aiaas.infra.testing.KeycloakAdmin;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.quarkus.test.junit.QuarkusTestProfile;
import java.util.List;
import java.util.Map;

/** Tenant owners provisioned in the real Keycloak of the test JVM (started on first use). */
public final class KeycloakOwners implements QuarkusTestResourceLifecycleManager {

    /** The profile of tests that provision owners. */
    public static final class Profile implements QuarkusTestProfile {
        @Override
        public List<TestResourceEntry> testResources() {
            return List.of(new TestResourceEntry(KeycloakOwners.class));
        }
    }

    /** The profile of tests where Keycloak cannot be reached at all. */
    public static final class Down implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of(
                    "aiaas.tenant.keycloak.enabled", "true",
                    // nothing listens on port 9 (discard) here
                    "aiaas.tenant.keycloak.realm-url", "http://127.0.0.1:9/realms/aiaas",
                    "aiaas.tenant.keycloak.client-secret", "irrelevant",
                    "aiaas.tenant.keycloak.timeout", "1s");
        }
    }

    @Override
    public Map<String, String> start() {
        return Map.of(
                "aiaas.tenant.keycloak.enabled",
                "true",
                "aiaas.tenant.keycloak.realm-url",
                InfraTestResource.keycloak().realmUrl(),
                "aiaas.tenant.keycloak.client-secret",
                InfraTestResource.PLATFORM_CLIENT_SECRET);
    }

    @Override
    public void stop() {
        // the JVM's Keycloak is shared; its shutdown hook stops it
    }

    /** The realm's users, as its operator sees them. */
    public static KeycloakAdmin admin() {
        return new KeycloakAdmin(InfraTestResource.keycloak().realmUrl(), InfraTestResource.PLATFORM_CLIENT_SECRET);
    }
}
