package io.aiaas.worker.health;

import io.aiaas.messaging.KafkaSettings;
import io.aiaas.messaging.health.MessagingHealth;
import io.aiaas.worker.client.ModelServiceClient;
import io.aiaas.worker.inference.ComputeDevice;
import io.aiaas.worker.messaging.JobControlReader;
import io.aiaas.worker.messaging.JobIntake;
import io.aiaas.worker.messaging.ResultsPublisher;
import io.quarkus.runtime.StartupEvent;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/**
 * Ready when the intake consumes, the results publisher's transactional producer is initialised, the Kafka cluster
 * answers and model-service is ready (the control reader's state is reported alongside). The
 * dependencies are probed every few seconds on a thread of its own, so a probe never blocks the HTTP threads.
 */
@Readiness
@Singleton
public class WorkerReadiness implements HealthCheck {
    private static final Duration INTERVAL = Duration.ofSeconds(5);

    private final JobIntake intake;
    private final ResultsPublisher publisher;
    private final JobControlReader control;
    private final ModelServiceClient modelService;
    private final KafkaSettings kafka;
    private final ComputeDevice device;
    private final ScheduledExecutorService prober = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "aiaas-readiness");
        t.setDaemon(true);
        return t;
    });
    private Admin admin;
    private volatile boolean kafkaUp;
    private volatile boolean modelServiceUp;

    public WorkerReadiness(
            JobIntake intake,
            ResultsPublisher publisher,
            JobControlReader control,
            ModelServiceClient modelService,
            KafkaSettings kafka,
            ComputeDevice device) {
        this.intake = intake;
        this.publisher = publisher;
        this.control = control;
        this.modelService = modelService;
        this.kafka = kafka;
        this.device = device;
    }

    void onStart(@Observes StartupEvent event) {
        prober.scheduleWithFixedDelay(this::probe, 0, INTERVAL.toMillis(), TimeUnit.MILLISECONDS);
    }

    @Override
    public HealthCheckResponse call() {
        boolean consuming = intake.consuming();
        boolean results = publisher.ready();
        boolean cluster = kafkaUp;
        boolean models = modelServiceUp;
        var response = HealthCheckResponse.named("jobs")
                .status(consuming && results && cluster && models)
                .withData("intake", consuming)
                .withData("intakePaused", intake.paused())
                .withData("results", results)
                .withData("kafka", cluster)
                .withData("modelService", models)
                .withData("device", results ? device.name() : "unknown");
        return MessagingHealth.consumer(response, control.state()).build();
    }

    private void probe() {
        kafkaUp = kafkaAnswers();
        modelServiceUp = modelService.ready();
    }

    private boolean kafkaAnswers() {
        try {
            if (admin == null) {
                admin = Admin.create(kafka.admin("aiaas-worker-health"));
            }
            admin.describeCluster(new DescribeClusterOptions().timeoutMs(3000))
                    .clusterId()
                    .get(4, TimeUnit.SECONDS);
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } catch (Exception e) {
            return false;
        }
    }

    @PreDestroy
    void close() {
        prober.shutdownNow();
        try {
            prober.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (admin != null) {
            admin.close(Duration.ofSeconds(2));
        }
    }
}
