package io.aiaas.model.api;

import io.aiaas.common.error.ApiException;
import io.aiaas.common.plan.PlanLimits;
import io.aiaas.common.quarkus.auth.CallerContext;
import io.aiaas.model.config.ModelServiceConfig;
import io.aiaas.model.service.ModelVersionUploads;
import jakarta.ws.rs.HttpMethod;
import jakarta.ws.rs.Priorities;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.HttpHeaders;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.Optional;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;

/**
 * Bounds request bodies by the caller's plan, behind the gateway's own check (defence in depth): model archives by
 * {@code maxModelBytes} (see {@link ModelVersionUploads#modelBytesLimit}), JSON bodies by {@code maxRequestBytes},
 * never more than this service's own limits; callers without a plan (administrators, components) get those. A body
 * announced larger is refused (413 problem+json) before it is read; one without a length is cut off at the limit while
 * it is read (archives while they are staged). {@code quarkus.http.limits.max-body-size} stays above all of them, as a
 * last resort that answers without a problem body.
 */
public class BodyLimits {
    /** Room for the JSON around inline inputs of the largest size the job queue carries. */
    private static final long JSON_ENVELOPE_BYTES = 64 * 1024;

    private final ModelServiceConfig config;
    private final CallerContext caller;
    private final ModelVersionUploads uploads;

    public BodyLimits(ModelServiceConfig config, CallerContext caller, ModelVersionUploads uploads) {
        this.config = config;
        this.caller = caller;
        this.uploads = uploads;
    }

    @ServerRequestFilter(priority = Priorities.AUTHORIZATION)
    public void check(ContainerRequestContext request) {
        String method = request.getMethod();
        if (HttpMethod.GET.equals(method) || HttpMethod.HEAD.equals(method) || HttpMethod.DELETE.equals(method)) {
            return;
        }
        String path = request.getUriInfo().getPath();
        if (streamedAndBoundedElsewhere(method, path)) {
            return;
        }
        Optional<PlanLimits> plan = caller.plan();
        boolean upload = HttpMethod.POST.equals(method) && path.endsWith("/versions");
        long limit = upload ? uploads.modelBytesLimit(plan) : jsonLimit(plan);
        String what = upload ? "The archive" : "The body";
        String length = request.getHeaderString(HttpHeaders.CONTENT_LENGTH);
        if (length != null) {
            long bytes;
            try {
                bytes = Long.parseLong(length.trim());
            } catch (NumberFormatException e) {
                throw ApiException.badRequest("Content-Length is not a number.");
            }
            if (bytes > limit) {
                throw tooLarge(what, limit);
            }
        } else if (!upload) {
            // chunked: nothing said how long it is, so it is counted as it is read
            request.setEntityStream(new Bounded(request.getEntityStream(), limit, what));
        }
    }

    /**
     * Bodies that are streamed to the artifact store and bounded while they are read, not by {@code maxRequestBytes}:
     * dataset uploads ({@link io.aiaas.model.service.DatasetUploads}: the plan's {@code maxModelBytes} and the storage
     * it has left) and the parts of a batch job's output ({@link io.aiaas.model.service.JobOutputs}).
     */
    static boolean streamedAndBoundedElsewhere(String method, String path) {
        String p = path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
        if (HttpMethod.POST.equals(method) && (p.equals("/v1/datasets") || p.equals("v1/datasets"))) {
            return true;
        }
        return HttpMethod.PUT.equals(method) && p.matches("/?internal/v1/jobs/[^/]+/output");
    }

    private long jsonLimit(Optional<PlanLimits> plan) {
        long serviceLimit = config.jobs().maxRequestBytes() + JSON_ENVELOPE_BYTES;
        return plan.map(p -> Math.min(p.maxRequestBytes(), serviceLimit)).orElse(serviceLimit);
    }

    private static ApiException tooLarge(String what, long limit) {
        return ApiException.tooLarge(what + " is larger than the limit of " + limit + " bytes.");
    }

    /** A body that fails with 413 once more than {@code limit} bytes have been read from it. */
    private static final class Bounded extends FilterInputStream {
        private final long limit;
        private final String what;
        private long read;

        Bounded(InputStream in, long limit, String what) {
            super(in);
            this.limit = limit;
            this.what = what;
        }

        @Override
        public int read() throws IOException {
            int b = super.read();
            if (b >= 0) {
                count(1);
            }
            return b;
        }

        @Override
        public int read(byte[] buf, int off, int len) throws IOException {
            int n = super.read(buf, off, len);
            if (n > 0) {
                count(n);
            }
            return n;
        }

        private void count(int n) {
            read += n;
            if (read > limit) {
                throw tooLarge(what, limit);
            }
        }
    }
}
