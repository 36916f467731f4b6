package io.aiaas.local;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.aiaas.common.json.Json;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;

/** A small HTTP client of the public API, as a tenant or an administrator would call it. */
public final class PlatformClient {
    private static final ObjectMapper JSON = Json.mapper();
    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final String baseUrl;

    public PlatformClient(String baseUrl) {
        this.baseUrl = baseUrl;
    }

    /** A response with its body read as JSON where it is JSON. */
    public record Reply(int status, String contentType, String body, HttpResponse<String> raw) {
        public JsonNode json() {
            try {
                return JSON.readTree(body);
            } catch (IOException e) {
                throw new IllegalStateException("not JSON (" + status + "): " + body, e);
            }
        }

        public String header(String name) {
            return raw.headers().firstValue(name).orElse(null);
        }

        @Override
        public String toString() {
            return status + " " + body;
        }
    }

    public Reply send(String method, String path, String bearer, String contentType, byte[] body)
            throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(baseUrl + path))
                .timeout(Duration.ofSeconds(60))
                .method(
                        method,
                        body == null
                                ? HttpRequest.BodyPublishers.noBody()
                                : HttpRequest.BodyPublishers.ofByteArray(body));
        if (bearer != null) {
            request.header("Authorization", "Bearer " + bearer);
        }
        if (contentType != null) {
            request.header("Content-Type", contentType);
        }
        return reply(http.send(request.build(), HttpResponse.BodyHandlers.ofString()));
    }

    /**
     * POSTs {@code file} streamed from disk (never held in memory), with {@code Content-Encoding} when
     * {@code contentEncoding} is given.
     */
    public Reply upload(String path, String bearer, String contentType, String contentEncoding, Path file)
            throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(baseUrl + path))
                .timeout(Duration.ofMinutes(5))
                .header("Authorization", "Bearer " + bearer)
                .header("Content-Type", contentType)
                .POST(HttpRequest.BodyPublishers.ofFile(file));
        if (contentEncoding != null) {
            request.header("Content-Encoding", contentEncoding);
        }
        return reply(http.send(request.build(), HttpResponse.BodyHandlers.ofString()));
    }

    /** GETs {@code path} and hands its body, streamed, to {@code reader}; returns the status. */
    public int stream(String path, String bearer, java.util.function.Consumer<java.io.InputStream> reader)
            throws IOException, InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(URI.create(baseUrl + path))
                .timeout(Duration.ofMinutes(5))
                .header("Authorization", "Bearer " + bearer)
                .GET()
                .build();
        HttpResponse<java.io.InputStream> response = http.send(request, HttpResponse.BodyHandlers.ofInputStream());
        try (java.io.InputStream body = response.body()) {
            if (response.statusCode() == 200) {
                reader.accept(body);
            }
        }
        return response.statusCode();
    }

    private static Reply reply(HttpResponse<String> response) {
        return new Reply(
                response.statusCode(),
                response.headers().firstValue("Content-Type").orElse(""),
                response.body(),
                response);
    }

    @Override
    public String toString() {
        return baseUrl;
    }

    public Reply get(String path, String bearer) throws IOException, InterruptedException {
        return send("GET", path, bearer, null, null);
    }

    public Reply delete(String path, String bearer) throws IOException, InterruptedException {
        return send("DELETE", path, bearer, null, null);
    }

    public Reply postJson(String path, String bearer, Object body) throws IOException, InterruptedException {
        byte[] bytes = body instanceof String s ? s.getBytes(StandardCharsets.UTF_8) : JSON.writeValueAsBytes(body);
        return send("POST", path, bearer, "application/json", bytes);
    }

    /** An access token from the OIDC provider by the password grant of the public client {@code aiaas-cli}. */
    public static String passwordGrant(String realmUrl, String username, String password)
            throws IOException, InterruptedException {
        String form =
                "grant_type=password&client_id=aiaas-cli&username=" + enc(username) + "&password=" + enc(password);
        HttpResponse<String> response = HttpClient.newHttpClient()
                .send(
                        HttpRequest.newBuilder(URI.create(realmUrl + "/protocol/openid-connect/token"))
                                .timeout(Duration.ofSeconds(30))
                                .header("Content-Type", "application/x-www-form-urlencoded")
                                .POST(HttpRequest.BodyPublishers.ofString(form))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 200) {
            throw new IllegalStateException("login of " + username + " refused: HTTP " + response.statusCode());
        }
        return JSON.readTree(response.body()).path("access_token").asText();
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }
}
