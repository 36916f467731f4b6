package io.aiaas.model.service;

import io.aiaas.common.csv.CsvDatasetReader;
import io.aiaas.common.csv.CsvFormatException;
import io.aiaas.common.error.ApiException;
import io.aiaas.common.id.Ids;
import io.aiaas.common.json.Json;
import io.aiaas.common.plan.PlanLimits;
import io.aiaas.common.quarkus.idempotency.IdempotencyLedger;
import io.aiaas.common.quarkus.idempotency.IdempotentRequest;
import io.aiaas.common.quarkus.idempotency.IdempotentResponse;
import io.aiaas.model.config.ModelServiceConfig;
import io.aiaas.model.domain.Dataset;
import io.aiaas.model.repository.DatasetRepository;
import io.quarkus.narayana.jta.QuarkusTransaction;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Function;
import java.util.regex.Pattern;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;

/**
 * Accepting a dataset: the body (plain or gzip) streams through the CSV checks to a staging file, never whole in
 * memory; size (uncompressed, as stored) and SHA-256 are computed on the way. Only a file that passed every check gets
 * an id, a place in the artifact store and a row, under the tenant's storage lock; any failure leaves neither.
 */
@ApplicationScoped
public class DatasetUploads {
    /** A dataset's name follows the model name rule. */
    static final Pattern NAME = Pattern.compile("^[a-z0-9][a-z0-9-]{0,62}$");

    private final DatasetRepository datasets;
    private final ArtifactStore store;
    private final StorageUsage storage;
    private final ModelServiceConfig config;
    private final IdempotencyLedger ledger;
    private final AuditTrail audit;
    private final TenantPurges purges;

    public DatasetUploads(
            DatasetRepository datasets,
            ArtifactStore store,
            StorageUsage storage,
            ModelServiceConfig config,
            IdempotencyLedger ledger,
            AuditTrail audit,
            TenantPurges purges) {
        this.datasets = datasets;
        this.store = store;
        this.storage = storage;
        this.config = config;
        this.ledger = ledger;
        this.audit = audit;
        this.purges = purges;
    }

    /** What a dataset upload names: its query parameters and headers. */
    public record Upload(String name, String label, String contentType, String contentEncoding) {}

    /**
     * Stores the dataset and answers what {@code answer} makes of it. Under an {@code Idempotency-Key} (see
     * {@link IdempotencyLedger}) the content's SHA-256 (uncompressed) completes the request's fingerprint: a repeat of
     * the same content answers the first dataset again and stores nothing; other content under the key is a 409.
     *
     * @param idempotency null without a key; its fingerprint covers the query but not yet the content
     */
    public IdempotentResponse upload(
            String tenantId,
            Optional<PlanLimits> plan,
            Upload upload,
            InputStream body,
            String actor,
            String requestId,
            IdempotentRequest idempotency,
            Function<Dataset, IdempotentResponse> answer)
            throws IOException {
        boolean gzip = check(upload);
        if (idempotency != null) {
            Optional<IdempotencyLedger.Recorded> earlier = ledger.recorded(idempotency.scope(), idempotency.key());
            if (earlier.isPresent()) {
                // before the storage checks: the first upload may have used up what was left
                return earlier.get().answer(idempotency.with(contentSha256(body, gzip, bound(plan))));
            }
        }
        long limit = limit(tenantId, plan);
        Path staging = Files.createTempFile(store.stagingDir(), "dataset-", ".csv");
        try {
            Dataset dataset = new Dataset();
            String sha256;
            long size;
            try (OutputStream file = Files.newOutputStream(staging);
                    Tee tee = new Tee(gzip ? gunzip(body) : body, file, limit);
                    CsvDatasetReader reader = new CsvDatasetReader(
                            new InputStreamReader(
                                    tee,
                                    StandardCharsets.UTF_8
                                            .newDecoder()
                                            .onMalformedInput(CodingErrorAction.REPORT)
                                            .onUnmappableCharacter(CodingErrorAction.REPORT)),
                            upload.label())) {
                float[] row = new float[reader.features()];
                while (reader.next(row)) {
                    // every row is checked as it streams by
                }
                tee.drain();
                dataset.rows = reader.rows();
                dataset.features = reader.features();
                dataset.header = Json.write(reader.header());
                dataset.labelMin = reader.labelMin();
                dataset.labelMax = reader.labelMax();
                size = tee.size;
                sha256 = HexFormat.of().formatHex(tee.sha.digest());
            } catch (CsvFormatException e) {
                throw ApiException.unprocessable(e.getMessage());
            } catch (CharacterCodingException e) {
                throw ApiException.unprocessable("The CSV is not UTF-8 text.");
            } catch (ZipException e) {
                throw ApiException.badRequest("The body is not gzip data (Content-Encoding: gzip).");
            }
            dataset.id = Ids.newId(Ids.DATASET);
            dataset.tenantId = tenantId;
            dataset.name = upload.name();
            dataset.labelColumn = upload.label();
            dataset.sizeBytes = size;
            dataset.sha256 = sha256;
            Path[] placed = new Path[1];
            IdempotentResponse response;
            try {
                response = QuarkusTransaction.requiringNew()
                        .call(() -> ledger.once(
                                idempotency == null ? null : idempotency.with(sha256),
                                () -> {
                                    purges.refuseIfPurged(tenantId);
                                    storage.lock(tenantId);
                                    long left = storageLeft(tenantId, plan);
                                    if (size > left) {
                                        throw ApiException.tooLarge("The dataset's " + size + " bytes exceed the "
                                                + left + " bytes of storage left.");
                                    }
                                    try {
                                        placed[0] = store.datasetFile(tenantId, dataset.id);
                                        dataset.path = store.placeDataset(
                                                new ArtifactStore.Staged(staging, size, sha256), tenantId, dataset.id);
                                    } catch (IOException e) {
                                        throw new java.io.UncheckedIOException(e);
                                    }
                                    dataset.createdAt = ModelCatalogue.now();
                                    datasets.persist(dataset);
                                    audit.record(
                                            actor,
                                            AuditTrail.DATASET_CREATED,
                                            AuditTrail.dataset(dataset.id),
                                            tenantId,
                                            requestId);
                                    return dataset;
                                },
                                answer));
            } catch (RuntimeException e) {
                if (placed[0] != null) {
                    Files.deleteIfExists(placed[0]);
                }
                throw e;
            }
            return response;
        } finally {
            Files.deleteIfExists(staging);
        }
    }

    /** Checks what can be checked before reading the body; whether it is gzip. */
    private static boolean check(Upload upload) {
        if (upload.name() == null || upload.name().isEmpty()) {
            throw ApiException.badRequest("Query parameter 'name' is required.");
        }
        if (upload.label() == null || upload.label().isBlank()) {
            throw ApiException.badRequest("Query parameter 'label' (the label column's name) is required.");
        }
        if (!NAME.matcher(upload.name()).matches()) {
            throw ApiException.unprocessable("A dataset name matches " + NAME.pattern() + ".");
        }
        String type = upload.contentType() == null
                ? ""
                : upload.contentType().split(";", 2)[0].strip().toLowerCase(Locale.ROOT);
        if (!type.equals("text/csv")) {
            throw ApiException.unsupportedMediaType("A dataset is uploaded as text/csv.");
        }
        String encoding = upload.contentEncoding() == null
                ? "identity"
                : upload.contentEncoding().strip().toLowerCase(Locale.ROOT);
        return switch (encoding) {
            case "identity", "" -> false;
            case "gzip", "x-gzip" -> true;
            default -> throw ApiException.unsupportedMediaType(
                    "Content-Encoding '" + encoding + "' is not supported; send plain CSV or gzip.");
        };
    }

    /** The most the upload may hold: the plan's {@code maxModelBytes} and the storage it has left. */
    private long limit(String tenantId, Optional<PlanLimits> plan) {
        long bound = bound(plan);
        long left = QuarkusTransaction.requiringNew().call(() -> storageLeft(tenantId, plan));
        if (left <= 0) {
            throw ApiException.tooLarge("The plan's storage is used up.");
        }
        return Math.min(bound, left);
    }

    /** The plan's {@code maxModelBytes}, never more than the platform's. */
    private long bound(Optional<PlanLimits> plan) {
        long platform = config.maxModelBytes();
        return plan.map(p -> Math.min(p.maxModelBytes(), platform)).orElse(platform);
    }

    /** The SHA-256 of the content (uncompressed, as a stored dataset's), read to its end and kept nowhere. */
    private String contentSha256(InputStream body, boolean gzip, long limit) throws IOException {
        try {
            return store.sha256Of(gzip ? gunzip(body) : body, limit);
        } catch (ZipException | java.io.EOFException e) {
            throw ApiException.badRequest("The body is not gzip data (Content-Encoding: gzip).");
        }
    }

    private long storageLeft(String tenantId, Optional<PlanLimits> plan) {
        return plan.map(p -> p.storageBytes() - storage.used(tenantId)).orElse(Long.MAX_VALUE);
    }

    private static InputStream gunzip(InputStream body) throws IOException {
        try {
            return new GZIPInputStream(body, 64 * 1024);
        } catch (ZipException | java.io.EOFException e) {
            throw ApiException.badRequest("The body is not gzip data (Content-Encoding: gzip).");
        }
    }

    /** Passes the (uncompressed) bytes on to the reader while writing, counting and hashing them; 413 past the limit. */
    private static final class Tee extends FilterInputStream {
        final MessageDigest sha = ArtifactStore.sha256();
        final OutputStream file;
        final long limit;
        long size;

        Tee(InputStream in, OutputStream file, long limit) {
            super(in);
            this.file = file;
            this.limit = limit;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n;
            try {
                n = super.read(b, off, len);
            } catch (java.io.EOFException e) {
                throw new ZipException("truncated");
            }
            if (n > 0) {
                size += n;
                if (size > limit) {
                    throw ApiException.tooLarge("The dataset is larger than the " + limit + " bytes allowed.");
                }
                sha.update(b, off, n);
                file.write(b, off, n);
            }
            return n;
        }

        /** Reads what the reader left (nothing but line ends), so that size and hash cover the whole file. */
        void drain() throws IOException {
            byte[] buf = new byte[8192];
            while (read(buf, 0, buf.length) >= 0) {
                // counted and written by read
            }
        }
    }
}
