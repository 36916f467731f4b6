package io.aiaas.gateway.support;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.aiaas.common.auth.InternalToken;
import io.aiaas.common.auth.InternalTokenVerifier;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A JDK HTTP server standing in for a platform service: it verifies the internal token as the real one would, records
 * what arrived, and answers through a pluggable handler (echo by default).
 */
public class StandInService {

    /** A request as it reached the stand-in. */
    public record Received(
            String method,
            String path,
            String query,
            Map<String, List<String>> headers,
            long bodyBytes,
            String bodySha256,
            byte[] bodyPrefix,
            Optional<InternalToken> token) {

        public String header(String name) {
            for (var e : headers.entrySet()) {
                if (e.getKey().equalsIgnoreCase(name)) {
                    return e.getValue().get(0);
                }
            }
            return null;
        }

        public String bodyText() {
            return new String(bodyPrefix, StandardCharsets.UTF_8);
        }
    }

    /** Answers a recorded request. */
    public interface Answer {
        void answer(Received received, HttpExchange exchange) throws IOException;
    }

    private static final int PREFIX_LIMIT = 64 * 1024;

    private final String name;
    private final InternalTokenVerifier verifier;
    private final ConcurrentLinkedDeque<Received> received = new ConcurrentLinkedDeque<>();

    /**
     * The gateway's rate-limit leases (tenant-service's owner of request buckets): kept apart from {@link #received},
     * and answered by {@link #answerLeasesWith}, so tests of other calls see only those.
     */
    public static final String LEASE_PATH = io.aiaas.common.limits.RateLimitLease.PATH;

    private final ConcurrentLinkedDeque<Received> leases = new ConcurrentLinkedDeque<>();
    private volatile Answer leaseAnswer = StandInService::grantEverything;
    private final AtomicLong bytesSeen = new AtomicLong();
    private volatile Answer answer = StandInService::echo;
    private volatile long pauseAfterBytes = -1;
    private volatile long pauseMillis;
    private volatile HttpServer server;
    private volatile ExecutorService executor;
    private int port;

    public StandInService(String name, InternalTokenVerifier verifier) {
        this.name = name;
        this.verifier = verifier;
    }

    /** Starts it (again, on the same port after {@link #stop()}); nothing happens while it runs. */
    public synchronized void start() throws IOException {
        if (server != null) {
            return;
        }
        HttpServer s = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 2048);
        // A thread per open exchange: the stand-in may hold a thousand event streams open at once (the gateway
        // must not need a thread for each; the stand-in may).
        executor = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(null, r, name + "-stand-in", 256 * 1024);
            t.setDaemon(true);
            return t;
        });
        s.setExecutor(executor);
        s.createContext("/", this::handle);
        s.start();
        port = s.getAddress().getPort();
        server = s;
    }

    public synchronized void stop() {
        if (server != null) {
            server.stop(0);
            executor.shutdownNow();
            server = null;
        }
    }

    public String url() {
        return "http://127.0.0.1:" + port;
    }

    public void answerLeasesWith(Answer answer) {
        this.leaseAnswer = answer;
    }

    /** The rate-limit leases asked since the last reset. */
    public List<Received> leases() {
        return List.copyOf(leases);
    }

    /** An owner without limits: every lease gets what it asks for, for a minute (tests run slowly on a busy machine). */
    public static void grantEverything(Received r, HttpExchange exchange) throws IOException {
        long want = io.aiaas.common.json.Json.mapper()
                .readTree(r.bodyPrefix())
                .path("want")
                .asLong();
        respond(
                exchange,
                200,
                "application/json",
                "{\"epoch\":\"rle_standIn\",\"granted\":" + want
                        + ",\"available\":1000,\"retryAfterMillis\":0,\"leaseMillis\":60000}");
    }

    public void answerWith(Answer answer) {
        this.answer = answer;
    }

    /** Reading a request body, stop once for a while after this many bytes: a slow service. */
    public void pauseOnce(long afterBytes, long millis) {
        this.pauseMillis = millis;
        this.pauseAfterBytes = afterBytes;
    }

    public void reset() {
        pauseAfterBytes = -1;
        received.clear();
        leases.clear();
        answer = StandInService::echo;
        leaseAnswer = StandInService::grantEverything;
        bytesSeen.set(0);
    }

    public List<Received> received() {
        return List.copyOf(received);
    }

    public Received last() {
        return received.peekLast();
    }

    /** Body bytes read so far by the request being served (for the streaming test). */
    public long bytesSeen() {
        return bytesSeen.get();
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            MessageDigest sha = sha256();
            long total = 0;
            byte[] prefix = new byte[0];
            try (InputStream in = exchange.getRequestBody()) {
                byte[] buffer = new byte[64 * 1024];
                int n;
                java.io.ByteArrayOutputStream head = new java.io.ByteArrayOutputStream();
                while ((n = in.read(buffer)) >= 0) {
                    sha.update(buffer, 0, n);
                    total += n;
                    if (pauseAfterBytes >= 0 && total >= pauseAfterBytes) {
                        pauseAfterBytes = -1;
                        try {
                            Thread.sleep(pauseMillis);
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        }
                    }
                    bytesSeen.addAndGet(n);
                    if (head.size() < PREFIX_LIMIT) {
                        head.write(buffer, 0, Math.min(n, PREFIX_LIMIT - head.size()));
                    }
                }
                prefix = head.toByteArray();
            }
            String authorization = exchange.getRequestHeaders().getFirst("Authorization");
            Optional<InternalToken> token = authorization != null && authorization.startsWith("Bearer ")
                    ? verifier.verify(authorization.substring(7))
                    : Optional.empty();
            Map<String, List<String>> headers = new LinkedHashMap<>(exchange.getRequestHeaders());
            Received r = new Received(
                    exchange.getRequestMethod(),
                    exchange.getRequestURI().getRawPath(),
                    exchange.getRequestURI().getRawQuery(),
                    headers,
                    total,
                    HexFormat.of().formatHex(sha.digest()),
                    prefix,
                    token);
            boolean lease = r.path().equals(LEASE_PATH);
            (lease ? leases : received).add(r);
            if (token.isEmpty() && !r.path().startsWith("/q/")) {
                respond(exchange, 401, "application/problem+json", "{\"status\":401,\"title\":\"Unauthorized\"}");
                return;
            }
            (lease ? leaseAnswer : answer).answer(r, exchange);
        }
    }

    /** Echoes the body (up to 64 KiB) with its content type; the request id comes back as the services send it. */
    public static void echo(Received r, HttpExchange exchange) throws IOException {
        String type = r.header("Content-Type");
        exchange.getResponseHeaders().add("Content-Type", type == null ? "application/json" : type);
        if (r.header("X-Request-Id") != null) {
            exchange.getResponseHeaders().add("X-Request-Id", r.header("X-Request-Id"));
        }
        byte[] body = r.bodyBytes() == 0 ? "{\"echo\":true}".getBytes(StandardCharsets.UTF_8) : r.bodyPrefix();
        exchange.sendResponseHeaders(200, body.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
        }
    }

    public static void respond(HttpExchange exchange, int status, String contentType, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().add("Content-Type", contentType);
        exchange.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
        if (bytes.length > 0) {
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(bytes);
            }
        }
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
