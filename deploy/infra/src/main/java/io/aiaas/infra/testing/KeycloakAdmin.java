package io.aiaas.infra.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What tests do to the realm's users as its operator would, through Keycloak's admin REST API with the service account
 * of the platform client: set a password, clear required actions, make a user with a tenant, look users up. Plain
 * HTTP and regular expressions, since this library carries no JSON mapper.
 */
public final class KeycloakAdmin {
    private static final Pattern ACCESS_TOKEN = Pattern.compile("\"access_token\"\\s*:\\s*\"([^\"]+)\"");
    private static final Pattern ID = Pattern.compile("\"id\"\\s*:\\s*\"([^\"]+)\"");
    private static final Pattern REQUIRED_ACTIONS = Pattern.compile("\"requiredActions\"\\s*:\\s*\\[[^\\]]*\\]");

    private final String realmUrl;
    private final String usersUrl;
    private final String clientSecret;
    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    /**
     * @param realmUrl {@code http://host:port/realms/aiaas}
     * @param clientSecret the secret of the platform client {@code aiaas-platform}
     */
    public KeycloakAdmin(String realmUrl, String clientSecret) {
        this.realmUrl = realmUrl;
        int at = realmUrl.lastIndexOf("/realms/");
        this.usersUrl = realmUrl.substring(0, at) + "/admin" + realmUrl.substring(at) + "/users";
        this.clientSecret = clientSecret;
    }

    /** The id of the user with exactly this e-mail, if there is one. */
    public Optional<String> userIdByEmail(String email) {
        HttpResponse<String> r =
                send(request(usersUrl + "?exact=true&email=" + URLEncoder.encode(email, StandardCharsets.UTF_8))
                        .GET());
        expect(r, 200);
        Matcher m = ID.matcher(r.body());
        return m.find() ? Optional.of(m.group(1)) : Optional.empty();
    }

    /** The user's representation as Keycloak returns it; empty when there is no such user. */
    public Optional<String> user(String id) {
        HttpResponse<String> r = send(request(usersUrl + "/" + id).GET());
        if (r.statusCode() == 404) {
            return Optional.empty();
        }
        expect(r, 200);
        return Optional.of(r.body());
    }

    /** A new enabled user with a password and nothing to do at login, and {@code tenant_id} unless null; its id. */
    public String createUser(String username, String password, String tenantId) {
        String attributes = tenantId == null ? "{}" : "{\"tenant_id\":[\"" + tenantId + "\"]}";
        String body = "{\"username\":\"" + username + "\",\"email\":\"" + username + "@aiaas.test\",\"enabled\":true,"
                + "\"emailVerified\":true,\"firstName\":\"Test\",\"lastName\":\"User\",\"requiredActions\":[],"
                + "\"attributes\":" + attributes + ",\"credentials\":[{\"type\":\"password\",\"value\":\"" + password
                + "\",\"temporary\":false}]}";
        HttpResponse<String> r = send(request(usersUrl)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)));
        expect(r, 201);
        String location = r.headers().firstValue("Location").orElseThrow();
        return location.substring(location.lastIndexOf('/') + 1);
    }

    /** Sets a lasting password and clears the required actions (UPDATE_PASSWORD, say), so the password grant works. */
    public void activate(String id, String password) {
        HttpResponse<String> r = send(request(usersUrl + "/" + id + "/reset-password")
                .header("Content-Type", "application/json")
                .PUT(HttpRequest.BodyPublishers.ofString(
                        "{\"type\":\"password\",\"value\":\"" + password + "\",\"temporary\":false}")));
        expect(r, 204);
        String user = user(id).orElseThrow();
        String cleared = REQUIRED_ACTIONS.matcher(user).replaceFirst("\"requiredActions\":[]");
        r = send(request(usersUrl + "/" + id)
                .header("Content-Type", "application/json")
                .PUT(HttpRequest.BodyPublishers.ofString(cleared)));
        expect(r, 204);
    }

    public void deleteUser(String id) {
        send(request(usersUrl + "/" + id).DELETE());
    }

    private HttpRequest.Builder request(String url) {
        return HttpRequest.newBuilder(URI.create(url))
                .timeout(Duration.ofSeconds(30))
                .header("Authorization", "Bearer " + token())
                .header("Accept", "application/json");
    }

    private String token() {
        String form = "grant_type=client_credentials&client_id=aiaas-platform&client_secret="
                + URLEncoder.encode(clientSecret, StandardCharsets.UTF_8);
        HttpResponse<String> r = send(HttpRequest.newBuilder(URI.create(realmUrl + "/protocol/openid-connect/token"))
                .timeout(Duration.ofSeconds(30))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(form)));
        expect(r, 200);
        Matcher m = ACCESS_TOKEN.matcher(r.body());
        if (!m.find()) {
            throw new IllegalStateException("no access token in Keycloak's answer");
        }
        return m.group(1);
    }

    private HttpResponse<String> send(HttpRequest.Builder request) {
        try {
            return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static void expect(HttpResponse<String> r, int status) {
        if (r.statusCode() != status) {
            throw new IllegalStateException(r.request().method() + " "
                    + r.request().uri().getPath() + ": HTTP " + r.statusCode() + " " + r.body());
        }
    }
}
