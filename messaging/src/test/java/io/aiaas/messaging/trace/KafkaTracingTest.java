package io.aiaas.messaging.trace;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.aiaas.common.events.Topics;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import io.opentelemetry.context.propagation.ContextPropagators;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.junit.jupiter.api.Test;

class KafkaTracingTest {
    private final InMemorySpanExporter spans = InMemorySpanExporter.create();
    private final OpenTelemetrySdk otel = OpenTelemetrySdk.builder()
            .setTracerProvider(SdkTracerProvider.builder()
                    .addSpanProcessor(SimpleSpanProcessor.create(spans))
                    .build())
            .setPropagators(ContextPropagators.create(W3CTraceContextPropagator.getInstance()))
            .build();
    private final KafkaTracing tracing = new KafkaTracing(otel);

    @Test
    void aProducedRecordCarriesTheCurrentSpanAndItsConsumerContinuesTheTrace() throws Exception {
        Span request = otel.getTracer("test").spanBuilder("POST /v1/jobs").startSpan();
        RecordHeaders headers = new RecordHeaders();
        headers.add(Topics.HEADER_REQUEST_ID, "req_1".getBytes(StandardCharsets.UTF_8));
        headers.add(Topics.HEADER_TRACEPARENT, "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01".getBytes());
        try (Scope ignored = request.makeCurrent()) {
            tracing.inject(headers);
            assertEquals(
                    request.getSpanContext().getTraceId(),
                    tracing.currentHeaders().get("traceparent").split("-")[1]);
        } finally {
            request.end();
        }
        String traceparent =
                new String(headers.lastHeader(Topics.HEADER_TRACEPARENT).value(), StandardCharsets.UTF_8);
        assertEquals(
                "00-" + request.getSpanContext().getTraceId() + "-"
                        + request.getSpanContext().getSpanId() + "-01",
                traceparent,
                "the current span replaces whatever traceparent the record had");
        assertEquals(1, countHeaders(headers, Topics.HEADER_TRACEPARENT));
        assertEquals(
                "req_1", new String(headers.lastHeader(Topics.HEADER_REQUEST_ID).value()));

        Context parent = tracing.extract(headers);
        String inside = tracing.inConsumerSpan(
                "aiaas.jobs.v1", parent, () -> Span.current().getSpanContext().getTraceId());
        assertEquals(request.getSpanContext().getTraceId(), inside);
        SpanData consumer = spans.getFinishedSpanItems().stream()
                .filter(s -> s.getKind() == SpanKind.CONSUMER)
                .findFirst()
                .orElseThrow();
        assertEquals(request.getSpanContext().getSpanId(), consumer.getParentSpanId());
        assertEquals("aiaas.jobs.v1 process", consumer.getName());
    }

    @Test
    void aBatchSpanLinksEveryRecordsContext() throws Exception {
        Span a = otel.getTracer("test").spanBuilder("a").startSpan();
        Span b = otel.getTracer("test").spanBuilder("b").startSpan();
        a.end();
        b.end();
        tracing.inBatchSpan(
                "aiaas.usage.v1", List.of(Context.root().with(a), Context.root().with(b), Context.root()), () -> null);
        SpanData batch = spans.getFinishedSpanItems().stream()
                .filter(s -> s.getKind() == SpanKind.CONSUMER)
                .findFirst()
                .orElseThrow();
        assertEquals(2, batch.getLinks().size(), "one link per record that carries a trace");
        assertFalse(batch.getParentSpanContext().isValid());
    }

    @Test
    void withoutASpanNothingIsInjected() {
        RecordHeaders headers = new RecordHeaders();
        KafkaTracing.noop().inject(headers);
        tracing.inject(headers);
        assertTrue(tracing.currentHeaders().isEmpty());
        assertEquals(0, countHeaders(headers, Topics.HEADER_TRACEPARENT));
    }

    private static int countHeaders(RecordHeaders headers, String key) {
        int n = 0;
        for (var h : headers.headers(key)) {
            n++;
        }
        return n;
    }
}
