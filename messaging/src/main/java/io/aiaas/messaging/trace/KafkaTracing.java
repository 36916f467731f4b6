package io.aiaas.messaging.trace;

import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanBuilder;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.opentelemetry.context.propagation.TextMapPropagator;
import io.opentelemetry.context.propagation.TextMapSetter;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;

/**
 * W3C trace context on Kafka records, with the {@link OpenTelemetry} instance the service configures (Quarkus gives
 * one; {@link #noop()} elsewhere). Producers write the current context into the {@code traceparent} header; consumers
 * extract it and run their work in a {@code CONSUMER} span whose parent it is, so HTTP spans, the records they cause
 * and the work those records cause form one trace.
 */
public final class KafkaTracing {
    static final String INSTRUMENTATION = "io.aiaas.messaging";
    /** More links would make a batch span heavier than the work it describes. */
    static final int MAX_LINKS = 128;

    private static final TextMapSetter<Headers> HEADERS_SETTER = (headers, key, value) -> {
        if (headers != null) {
            headers.remove(key);
            headers.add(key, value.getBytes(StandardCharsets.UTF_8));
        }
    };
    private static final TextMapSetter<Map<String, String>> MAP_SETTER = (map, key, value) -> {
        if (map != null) {
            map.put(key, value);
        }
    };
    private static final TextMapGetter<Headers> HEADERS_GETTER = new TextMapGetter<>() {
        @Override
        public Iterable<String> keys(Headers headers) {
            List<String> keys = new ArrayList<>();
            headers.forEach(h -> keys.add(h.key()));
            return keys;
        }

        @Override
        public String get(Headers headers, String key) {
            if (headers == null) {
                return null;
            }
            Header header = headers.lastHeader(key);
            return header == null || header.value() == null ? null : new String(header.value(), StandardCharsets.UTF_8);
        }
    };

    private final TextMapPropagator propagator;
    private final Tracer tracer;

    public KafkaTracing(OpenTelemetry openTelemetry) {
        this.propagator = openTelemetry.getPropagators().getTextMapPropagator();
        this.tracer = openTelemetry.getTracer(INSTRUMENTATION);
    }

    /** No spans and no propagation: for tools and tests that do not trace. */
    public static KafkaTracing noop() {
        return new KafkaTracing(OpenTelemetry.noop());
    }

    /** Writes the current context ({@code traceparent}, {@code tracestate}) into {@code headers}, replacing any. */
    public void inject(Headers headers) {
        propagator.inject(Context.current(), headers, HEADERS_SETTER);
    }

    /** The current context as header values, for records published later (the outbox). Empty without a span. */
    public Map<String, String> currentHeaders() {
        Map<String, String> headers = new LinkedHashMap<>();
        propagator.inject(Context.current(), headers, MAP_SETTER);
        return headers;
    }

    /** The context a record carries; the root context when it carries none. */
    public Context extract(Headers headers) {
        return propagator.extract(Context.root(), headers, HEADERS_GETTER);
    }

    /** Runs {@code work} in a {@code CONSUMER} span, child of {@code parent}, made current for its duration. */
    public <T> T inConsumerSpan(String topic, Context parent, Callable<T> work) throws Exception {
        SpanBuilder builder = tracer.spanBuilder(topic + " process")
                .setSpanKind(SpanKind.CONSUMER)
                .setParent(parent)
                .setAttribute("messaging.system", "kafka")
                .setAttribute("messaging.destination.name", topic)
                .setAttribute("messaging.operation.type", "process");
        return run(builder, work);
    }

    /**
     * Runs {@code work} for a whole batch in one {@code CONSUMER} span linked to each record's context (a batch has
     * many parents, which a span cannot have).
     */
    public <T> T inBatchSpan(String topic, Collection<Context> records, Callable<T> work) throws Exception {
        SpanBuilder builder = tracer.spanBuilder(topic + " process")
                .setSpanKind(SpanKind.CONSUMER)
                .setNoParent()
                .setAttribute("messaging.system", "kafka")
                .setAttribute("messaging.destination.name", topic)
                .setAttribute("messaging.operation.type", "process")
                .setAttribute("messaging.batch.message_count", (long) records.size());
        int links = 0;
        for (Context record : records) {
            Span span = Span.fromContext(record);
            if (span.getSpanContext().isValid() && links++ < MAX_LINKS) {
                builder.addLink(span.getSpanContext());
            }
        }
        return run(builder, work);
    }

    private static <T> T run(SpanBuilder builder, Callable<T> work) throws Exception {
        Span span = builder.startSpan();
        try (Scope ignored = span.makeCurrent()) {
            return work.call();
        } catch (Exception | Error e) {
            span.setStatus(StatusCode.ERROR, e.getClass().getSimpleName());
            throw e;
        } finally {
            span.end();
        }
    }
}
