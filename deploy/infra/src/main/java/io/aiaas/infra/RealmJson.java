package io.aiaas.infra;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/** The realm Keycloak imports: written by hand, since this library carries no JSON mapper. */
final class RealmJson {

    private RealmJson() {}

    /**
     * Keycloak's declarative user profile, with the attribute {@value KeycloakServer#TENANT_ID_ATTRIBUTE} that
     * tenant-service sets on a tenant's owner: only administrators (tenant-service's service account) see or change
     * it, so no user can name another tenant. Names are optional, since an owner is created from an e-mail alone.
     */
    static final String USER_PROFILE =
            """
            {"attributes":[
             {"name":"username","displayName":"${username}","validations":{"length":{"min":3,"max":255}},
              "permissions":{"view":["admin","user"],"edit":["admin","user"]},"multivalued":false},
             {"name":"email","displayName":"${email}","validations":{"email":{},"length":{"max":255}},
              "required":{"roles":["user"]},"permissions":{"view":["admin","user"],"edit":["admin","user"]},
              "multivalued":false},
             {"name":"firstName","displayName":"${firstName}","validations":{"length":{"max":255}},
              "permissions":{"view":["admin","user"],"edit":["admin","user"]},"multivalued":false},
             {"name":"lastName","displayName":"${lastName}","validations":{"length":{"max":255}},
              "permissions":{"view":["admin","user"],"edit":["admin","user"]},"multivalued":false},
             {"name":"%s","displayName":"Tenant","permissions":{"view":["admin"],"edit":["admin"]},
              "multivalued":false}
            ]}"""
                    .formatted(KeycloakServer.TENANT_ID_ATTRIBUTE)
                    .replace("\n", "");

    static String of(String adminPassword, String platformClientSecret, boolean testUsers) {
        List<String> users = new ArrayList<>();
        users.add(user("admin", adminPassword, "Platform", "Administrator", List.of(KeycloakServer.ADMIN_ROLE)));
        if (testUsers) {
            users.add(user("no-role", "no-role", "No", "Role", List.of()));
        }
        // tenant-service provisions and removes tenant owners with the platform client's service account.
        users.add(
                """
                    {
                      "username": "service-account-%s",
                      "enabled": true,
                      "serviceAccountClientId": "%s",
                      "clientRoles": {"realm-management": ["manage-users", "view-users"]}
                    }"""
                        .formatted(KeycloakServer.PLATFORM_CLIENT, KeycloakServer.PLATFORM_CLIENT));
        return """
                {
                  "realm": "%s",
                  "enabled": true,
                  "sslRequired": "none",
                  "registrationAllowed": false,
                  "roles": {
                    "realm": [
                      {"name": "%s", "description": "Administers tenants, plans and models of the platform"}
                    ]
                  },
                  "users": [
                %s
                  ],
                  "components": {
                    "org.keycloak.userprofile.UserProfileProvider": [
                      {
                        "providerId": "declarative-user-profile",
                        "subComponents": {},
                        "config": {"kc.user.profile.config": ["%s"]}
                      }
                    ]
                  },
                  "clients": [
                    {
                      "clientId": "%s",
                      "name": "AIaaS command line",
                      "enabled": true,
                      "publicClient": true,
                      "directAccessGrantsEnabled": true,
                      "standardFlowEnabled": false,
                      "protocolMappers": [
                        {
                          "name": "tenant id",
                          "protocol": "openid-connect",
                          "protocolMapper": "oidc-usermodel-attribute-mapper",
                          "consentRequired": false,
                          "config": {
                            "user.attribute": "%s",
                            "claim.name": "%s",
                            "jsonType.label": "String",
                            "access.token.claim": "true",
                            "id.token.claim": "false",
                            "userinfo.token.claim": "false",
                            "introspection.token.claim": "true",
                            "multivalued": "false"
                          }
                        }
                      ]
                    },
                    {
                      "clientId": "%s",
                      "name": "AIaaS platform services",
                      "enabled": true,
                      "publicClient": false,
                      "clientAuthenticatorType": "client-secret",
                      "secret": "%s",
                      "serviceAccountsEnabled": true,
                      "standardFlowEnabled": false,
                      "directAccessGrantsEnabled": false
                    }
                  ]
                }
                """
                .formatted(
                        KeycloakServer.REALM,
                        KeycloakServer.ADMIN_ROLE,
                        String.join(",\n", users),
                        escape(USER_PROFILE),
                        KeycloakServer.CLI_CLIENT,
                        KeycloakServer.TENANT_ID_ATTRIBUTE,
                        KeycloakServer.TENANT_ID_ATTRIBUTE,
                        KeycloakServer.PLATFORM_CLIENT,
                        escape(platformClientSecret));
    }

    private static String user(String name, String password, String first, String last, List<String> roles) {
        String realmRoles = roles.stream().map(r -> '"' + escape(r) + '"').collect(Collectors.joining(", "));
        // Keycloak's user profile requires e-mail and names; without them a login asks to complete the account.
        return """
                    {
                      "username": "%s",
                      "enabled": true,
                      "email": "%s@aiaas.local",
                      "emailVerified": true,
                      "firstName": "%s",
                      "lastName": "%s",
                      "requiredActions": [],
                      "credentials": [{"type": "password", "value": "%s", "temporary": false}],
                      "realmRoles": [%s]
                    }"""
                .formatted(escape(name), escape(name), escape(first), escape(last), escape(password), realmRoles);
    }

    static String escape(String s) {
        StringBuilder out = new StringBuilder(s.length() + 8);
        for (char c : s.toCharArray()) {
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default -> {
                    if (c < 0x20) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        return out.toString();
    }
}
