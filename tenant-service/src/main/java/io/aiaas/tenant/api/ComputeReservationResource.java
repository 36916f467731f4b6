package io.aiaas.tenant.api;

import io.aiaas.common.auth.InternalToken;
import io.aiaas.common.error.ApiException;
import io.aiaas.common.quarkus.auth.CallerContext;
import io.aiaas.tenant.service.ComputeQuotaLedger;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.time.Duration;
import java.time.Instant;

/**
 * Compute-unit reservations (docs/internal-contracts.md): model-service reserves a job's estimated units before it
 * stores the job and releases them when it could not store it; the job's usage event settles them. The gateway
 * reserves blocks of units for online predictions ({@code minUnits}: whatever is left, at least that many), each
 * prediction's usage event lowers its block, and the gateway gives back what it did not spend ({@code ?units=}). Not
 * routed from outside; only platform components may call it.
 */
@Path("/internal/v1/compute/reservations")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
public class ComputeReservationResource {
    /** Longest reservation: past it, work that never ended stops holding units. */
    static final long MAX_TTL_SECONDS = Duration.ofDays(40).toSeconds();

    static final int MAX_ID_LENGTH = 256;

    /**
     * {@code units} for the work {@code reservationId} (a job id, a gateway's block) of the tenant, held for
     * {@code ttlSeconds}; with {@code minUnits} (1 ≤ minUnits ≤ units), what is left of the month when less than
     * {@code units}, refused only when fewer than {@code minUnits} are left.
     */
    public record ReservationRequest(
            String tenantId, String reservationId, Long units, Long ttlSeconds, Long minUnits) {}

    /** A granted reservation, and the units the tenant has left this month after it. */
    public record ReservationGranted(
            String tenantId, String reservationId, long units, Instant expiresAt, long remaining) {}

    private final ComputeQuotaLedger ledger;
    private final CallerContext caller;

    public ComputeReservationResource(ComputeQuotaLedger ledger, CallerContext caller) {
        this.ledger = ledger;
        this.caller = caller;
    }

    @POST
    @org.eclipse.microprofile.openapi.annotations.Operation(hidden = true)
    public Response reserve(ReservationRequest body) {
        requireComponent();
        Bodies.required(body);
        if (!validId(body.tenantId())
                || !validId(body.reservationId())
                || body.units() == null
                || body.units() < 0
                || body.ttlSeconds() == null
                || body.ttlSeconds() < 1
                || body.ttlSeconds() > MAX_TTL_SECONDS) {
            throw ApiException.badRequest("A reservation needs tenantId, reservationId (at most " + MAX_ID_LENGTH
                    + " characters), units ≥ 0 and ttlSeconds from 1 to " + MAX_TTL_SECONDS + ".");
        }
        if (body.minUnits() != null && (body.minUnits() < 1 || body.minUnits() > body.units())) {
            throw ApiException.badRequest("minUnits, when given, is from 1 to units.");
        }
        ComputeQuotaLedger.Granted granted = ledger.reserve(
                body.tenantId(),
                body.reservationId(),
                body.units(),
                body.minUnits() == null ? body.units() : body.minUnits(),
                Duration.ofSeconds(body.ttlSeconds()));
        return Response.status(Response.Status.CREATED)
                .entity(new ReservationGranted(
                        granted.reservation().tenantId(),
                        granted.reservation().reservationId(),
                        granted.reservation().units(),
                        granted.reservation().expiresAt(),
                        granted.balance().remaining()))
                .build();
    }

    /**
     * Releases a reservation, or with {@code ?units=n} only n of its units (the rest stays until usage events lower it
     * or it expires); releasing one that does not exist (released before, expired) changes nothing.
     */
    @DELETE
    @Path("{tenantId}/{reservationId}")
    @org.eclipse.microprofile.openapi.annotations.Operation(hidden = true)
    public Response release(
            @PathParam("tenantId") String tenantId,
            @PathParam("reservationId") String reservationId,
            @QueryParam("units") String units) {
        requireComponent();
        if (!validId(tenantId) || !validId(reservationId)) {
            throw ApiException.badRequest("A release names a tenant and a reservation id.");
        }
        if (units == null) {
            ledger.release(tenantId, reservationId);
        } else {
            long n;
            try {
                n = Long.parseLong(units);
            } catch (NumberFormatException e) {
                n = -1;
            }
            if (n < 0) {
                throw ApiException.badRequest("units, when given, is a whole number ≥ 0.");
            }
            ledger.release(tenantId, reservationId, n);
        }
        return Response.noContent().build();
    }

    private void requireComponent() {
        caller.requireService(InternalToken.ISSUER_MODEL_SERVICE, InternalToken.ISSUER_GATEWAY);
    }

    private static boolean validId(String id) {
        return id != null && !id.isBlank() && id.length() <= MAX_ID_LENGTH;
    }
}
