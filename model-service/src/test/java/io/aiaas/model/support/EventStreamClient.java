package io.aiaas.model.support;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Flow;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A Server-Sent Events client as a browser's {@code EventSource} reads a stream (fields {@code id}, {@code event},
 * {@code data}, comment lines), without a thread of its own: lines arrive through the JDK client's subscriber.
 */
public final class EventStreamClient implements Flow.Subscriber<String> {
    /** One dispatched event, with the time it was complete on the client. */
    public record Event(String id, String name, String data, long receivedNanos) {}

    private final LinkedBlockingQueue<Event> events = new LinkedBlockingQueue<>();
    private final List<String> lines = new CopyOnWriteArrayList<>();
    private final List<String> comments = new CopyOnWriteArrayList<>();
    private final CompletableFuture<Void> ended = new CompletableFuture<>();
    private volatile Flow.Subscription subscription;
    private String id;
    private String name;
    private StringBuilder data;
    private CompletableFuture<HttpResponse<Void>> response;

    /** Opens {@code uri} with {@code authorization} and, if not null, {@code Last-Event-ID}. */
    public static EventStreamClient open(HttpClient client, URI uri, String authorization, String lastEventId) {
        EventStreamClient sse = new EventStreamClient();
        HttpRequest.Builder request = HttpRequest.newBuilder(uri)
                .header("Authorization", authorization)
                .header("Accept", "text/event-stream");
        if (lastEventId != null) {
            request.header("Last-Event-ID", lastEventId);
        }
        sse.response = client.sendAsync(request.build(), HttpResponse.BodyHandlers.fromLineSubscriber(sse));
        return sse;
    }

    /** The response; the JDK client completes it once the stream has ended. */
    public HttpResponse<Void> response(Duration timeout) throws Exception {
        return response.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** The next event, failing after {@code timeout}. */
    public Event next(Duration timeout) throws InterruptedException {
        Event e = events.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
        if (e == null) {
            throw new AssertionError("no event within " + timeout + "; lines so far: " + lines);
        }
        return e;
    }

    /** Events received and not yet taken. */
    public List<Event> drained() {
        List<Event> out = new java.util.ArrayList<>();
        events.drainTo(out);
        return out;
    }

    /** Whether the server ended the stream within {@code timeout}. */
    public boolean awaitEnd(Duration timeout) {
        try {
            ended.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            return true;
        } catch (Exception e) {
            return false;
        }
    }

    public boolean isEnded() {
        return ended.isDone();
    }

    public List<String> lines() {
        return lines;
    }

    public List<String> comments() {
        return comments;
    }

    /** Closes the stream from the client's side, as a browser tab that goes away. */
    public void disconnect() {
        Flow.Subscription s = subscription;
        if (s != null) {
            s.cancel();
        }
    }

    @Override
    public void onSubscribe(Flow.Subscription subscription) {
        this.subscription = subscription;
        subscription.request(Long.MAX_VALUE);
    }

    @Override
    public synchronized void onNext(String line) {
        lines.add(line);
        if (line.isEmpty()) {
            if (data != null) {
                events.add(new Event(id, name, data.toString(), System.nanoTime()));
            }
            name = null;
            data = null;
            return;
        }
        if (line.startsWith(":")) {
            comments.add(line);
            return;
        }
        int colon = line.indexOf(':');
        String field = colon < 0 ? line : line.substring(0, colon);
        String value = colon < 0 ? "" : line.substring(colon + 1);
        if (value.startsWith(" ")) {
            value = value.substring(1);
        }
        switch (field) {
            case "id" -> id = value;
            case "event" -> name = value;
            case "data" -> data =
                    data == null ? new StringBuilder(value) : data.append('\n').append(value);
            default -> {
                // other fields are ignored, as EventSource does
            }
        }
    }

    @Override
    public void onError(Throwable throwable) {
        ended.completeExceptionally(throwable);
    }

    @Override
    public void onComplete() {
        ended.complete(null);
    }
}
