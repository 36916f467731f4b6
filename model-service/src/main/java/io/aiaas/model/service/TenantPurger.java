package io.aiaas.model.service;

import io.aiaas.model.config.ModelServiceConfig;
import io.aiaas.model.domain.Model;
import io.aiaas.model.domain.Owner;
import io.aiaas.model.repository.TenantPurgeRepository;
import io.aiaas.model.repository.TenantPurgeRepository.ModelRef;
import io.aiaas.model.repository.TenantPurgeRepository.Purge;
import io.aiaas.model.repository.TenantPurgeRepository.VersionRef;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.scheduler.Scheduled;
import jakarta.inject.Singleton;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.IntConsumer;
import org.jboss.logging.Logger;

/**
 * Works the open purges of deleted tenants ({@link TenantPurges}), on every replica every
 * {@code aiaas.model.purge.interval}. Each step is a short transaction that locks the purge's row
 * ({@code SKIP LOCKED}: one replica works a purge at a time, others pass it by) and deletes at most
 * {@code chunk-size} rows of one kind. In order: the tenant's queued and running jobs are cancelled (running ones get
 * the cancel control record); its jobs go with their event logs and output parts once they ended, or once the running
 * jobs' grace is over; then aliases, versions, models (each announced as {@code model.deleted}), datasets, the answers
 * kept under its {@code Idempotency-Key}s and its slot row. Files go after the rows that name them committed; at the
 * end the tenant's whole directory goes (leftovers of a crash included), and the purge is marked finished once nothing
 * of the tenant's is left. Every step only deletes what is still there, so a crash anywhere resumes where it was at
 * the next run. Platform-catalogue models are never touched: every statement names the tenant.
 */
@Singleton
public class TenantPurger {
    private static final Logger LOG = Logger.getLogger(TenantPurger.class);
    private static final int PURGES_PER_READ = 100;
    private static final String ACTOR = "platform:tenant-purge";

    /** What one step did. */
    private enum Step {
        /** Deleted or changed something: the next chunk follows. */
        DONE_CHUNK,
        /** Nothing can be done before the tenant's running jobs end (or their grace is over). */
        WAITING,
        /** Everything is gone: the purge is finished. */
        FINISHED,
        /** Another replica works the purge now, or it is finished already. */
        NOT_MINE
    }

    private final TenantPurgeRepository purges;
    private final JobLifecycle lifecycle;
    private final ModelEvents events;
    private final ArtifactStore store;
    private final ModelServiceConfig config;
    /** A test's view of every committed chunk (its count in this run), called before that chunk's files go. */
    private volatile IntConsumer afterChunk = n -> {};

    public TenantPurger(
            TenantPurgeRepository purges,
            JobLifecycle lifecycle,
            ModelEvents events,
            ArtifactStore store,
            ModelServiceConfig config) {
        this.purges = purges;
        this.lifecycle = lifecycle;
        this.events = events;
        this.store = store;
        this.config = config;
    }

    @Scheduled(
            identity = "tenant-purger",
            every = "${aiaas.model.purge.interval}",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void scheduled() {
        try {
            runOnce();
        } catch (RuntimeException e) {
            LOG.warnf("tenant purge run failed: %s", e.toString());
        }
    }

    /** One run over every open purge; returns how many it finished. A purge that fails is left for the next run. */
    public int runOnce() {
        List<String> open = QuarkusTransaction.requiringNew().call(() -> purges.open(PURGES_PER_READ));
        int finished = 0;
        for (String tenantId : open) {
            try {
                if (purge(tenantId)) {
                    finished++;
                }
            } catch (RuntimeException e) {
                LOG.warnf("purge of tenant %s stopped, resumed at the next run: %s", tenantId, e.toString());
            }
        }
        return finished;
    }

    /**
     * Works the tenant's purge chunk by chunk until it is finished (true), waits for running jobs, or is worked by
     * another replica (false).
     */
    public boolean purge(String tenantId) {
        int chunks = 0;
        while (true) {
            List<Runnable> fileDeletions = new ArrayList<>();
            Step step = QuarkusTransaction.requiringNew().call(() -> step(tenantId, fileDeletions));
            switch (step) {
                case FINISHED -> {
                    LOG.infof("purge of tenant %s finished", tenantId);
                    return true;
                }
                case WAITING, NOT_MINE -> {
                    return false;
                }
                case DONE_CHUNK -> {
                    afterChunk.accept(++chunks);
                    fileDeletions.forEach(Runnable::run);
                }
            }
        }
    }

    /** The purge's next chunk, in the transaction of the caller; files to delete once it committed go to the list. */
    private Step step(String tenantId, List<Runnable> fileDeletions) {
        Optional<Purge> locked = purges.lockOpen(tenantId);
        if (locked.isEmpty()) {
            return Step.NOT_MINE;
        }
        Purge purge = locked.get();
        int n = Math.max(1, config.purge().chunkSize());
        Owner owner = Owner.tenant(tenantId);

        List<String> toCancel = purges.lockJobsToCancel(tenantId, n);
        if (!toCancel.isEmpty()) {
            for (String jobId : toCancel) {
                // queued: cancelled at once; running: cancelling, and its worker gets the cancel control record
                lifecycle.cancel(tenantId, jobId, ACTOR, null);
            }
            return Step.DONE_CHUNK;
        }
        boolean graceOver =
                Instant.now().isAfter(purge.requestedAt().plus(config.purge().runningJobGrace()));
        List<String> jobs = purges.lockJobsToDelete(tenantId, graceOver, n);
        if (!jobs.isEmpty()) {
            purges.deleteJobs(tenantId, jobs);
            for (String jobId : jobs) {
                Path dir = store.outputDir(tenantId, jobId);
                fileDeletions.add(() -> deleteTree(dir));
            }
            return Step.DONE_CHUNK;
        }
        if (purges.remaining(tenantId).jobs() > 0) {
            // running jobs told to cancel, within their grace (or rows another transaction holds): next run
            return Step.WAITING;
        }
        if (purges.deleteAliases(tenantId, n) > 0) {
            return Step.DONE_CHUNK;
        }
        List<VersionRef> versions = purges.deleteVersions(tenantId, n);
        if (!versions.isEmpty()) {
            for (VersionRef v : versions) {
                fileDeletions.add(() -> store.deleteVersion(owner, v.modelId(), v.version()));
            }
            return Step.DONE_CHUNK;
        }
        List<ModelRef> models = purges.deleteModels(tenantId, n);
        if (!models.isEmpty()) {
            for (ModelRef m : models) {
                // gateways drop cached metadata, workers unload its versions
                events.modelDeleted(deleted(tenantId, m), null);
                fileDeletions.add(() -> store.deleteModel(owner, m.id()));
            }
            return Step.DONE_CHUNK;
        }
        List<String> datasetFiles = purges.deleteDatasets(tenantId, n);
        if (!datasetFiles.isEmpty()) {
            for (String path : datasetFiles) {
                fileDeletions.add(() -> deleteFile(store.resolve(path)));
            }
            return Step.DONE_CHUNK;
        }
        if (purges.deleteIdempotencyKeys(tenantId, n) > 0) {
            return Step.DONE_CHUNK;
        }
        if (purges.deleteLeftovers(tenantId) > 0) {
            return Step.DONE_CHUNK;
        }
        // Nothing of the tenant's is left in the database: its directory goes (whatever a crash left there), and
        // only then, if nothing came back meanwhile, the purge is finished.
        if (!store.deleteTenant(tenantId)) {
            LOG.warnf("purge of tenant %s: its artifact directory could not be deleted; next run", tenantId);
            return Step.WAITING;
        }
        if (!purges.remaining(tenantId).none() || purges.anyOtherRows(tenantId)) {
            // a write that raced the steps above (rows another transaction held): the next run takes it
            return Step.WAITING;
        }
        purges.finish(tenantId, ModelCatalogue.now());
        return Step.FINISHED;
    }

    /** The deleted model as its event names it (the row is gone). */
    private static Model deleted(String tenantId, ModelRef ref) {
        Model model = new Model();
        model.id = ref.id();
        model.name = ref.name();
        model.tenantId = tenantId;
        return model;
    }

    private static void deleteTree(Path dir) {
        io.aiaas.common.archive.SavedModelArchive.deleteTree(dir);
    }

    private static void deleteFile(Path file) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            // the row is gone; the end of the purge deletes the tenant's whole directory
            LOG.debugf("could not delete %s yet: %s", file, e.toString());
        }
    }

    /** Sets what each committed chunk calls (tests: a crash after some chunks); null: nothing. */
    void afterChunk(IntConsumer hook) {
        this.afterChunk = hook == null ? n -> {} : hook;
    }
}
