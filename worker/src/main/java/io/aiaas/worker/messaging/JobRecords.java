package io.aiaas.worker.messaging;

import io.aiaas.common.events.JobRequest;
import io.aiaas.common.events.Topics;
import io.aiaas.common.json.Json;
import io.aiaas.messaging.consumer.RecordDecoder;
import io.aiaas.worker.service.JobResult;
import io.aiaas.worker.service.RunningJob;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;

/** The records of the job protocol: dispatch records read, and what a job yields on {@link Topics#JOB_EVENTS} and {@link Topics#USAGE}. */
final class JobRecords {
    private static final RecordDecoder<JobRequest> JOB_REQUEST = RecordDecoder.json(JobRequest.class);

    private JobRecords() {}

    /** A dispatch record's job, or a failure: such a record can never run and is skipped. */
    static JobRequest dispatched(ConsumerRecord<String, byte[]> record) throws Exception {
        JobRequest job = JOB_REQUEST.decode(record);
        if (job == null || job.jobId() == null || job.jobId().isBlank() || job.type() == null) {
            throw new IllegalArgumentException("no jobId or type");
        }
        return job;
    }

    /** The terminal event and, when billed, the usage event of a finished job. */
    static List<ProducerRecord<String, String>> of(JobResult result) {
        Headers headers = headers(result.job().headers());
        ProducerRecord<String, String> event = new ProducerRecord<>(
                Topics.JOB_EVENTS, null, result.terminal().jobId(), Json.write(result.terminal()), headers);
        if (result.usage() == null) {
            return List.of(event);
        }
        return List.of(
                event,
                new ProducerRecord<>(
                        Topics.USAGE, null, result.usage().subject(), Json.write(result.usage()), headers));
    }

    /** A running job's progress event. */
    static ProducerRecord<String, String> progress(RunningJob job, io.aiaas.common.events.JobEvent event) {
        return new ProducerRecord<>(Topics.JOB_EVENTS, null, event.jobId(), Json.write(event), headers(job.headers()));
    }

    private static Headers headers(Map<String, String> values) {
        Headers headers = new RecordHeaders();
        values.forEach((k, v) -> headers.add(k, v.getBytes(StandardCharsets.UTF_8)));
        return headers;
    }
}
