package io.aiaas.common.quarkus.idempotency;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

/**
 * The resources' side of idempotent creation: an answer is written once, with the application's ObjectMapper (so it
 * reads exactly as any other answer), and the same text goes out first and on every replay.
 */
@ApplicationScoped
public class IdempotentResponses {
    private final ObjectMapper mapper;

    public IdempotentResponses(ObjectMapper mapper) {
        this.mapper = mapper;
    }

    /** 201 with {@code Location}. */
    public IdempotentResponse created(String location, Object body) {
        return of(Response.Status.CREATED.getStatusCode(), location, body);
    }

    /** 202 with {@code Location}. */
    public IdempotentResponse accepted(String location, Object body) {
        return of(Response.Status.ACCEPTED.getStatusCode(), location, body);
    }

    private IdempotentResponse of(int status, String location, Object body) {
        try {
            return new IdempotentResponse(status, location, mapper.writeValueAsString(body));
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("cannot write the answer as JSON", e);
        }
    }

    public Response toResponse(IdempotentResponse answer) {
        Response.ResponseBuilder builder =
                Response.status(answer.status()).entity(answer.body()).type(MediaType.APPLICATION_JSON_TYPE);
        if (answer.location() != null) {
            builder.header(HttpHeaders.LOCATION, answer.location());
        }
        return builder.build();
    }
}
