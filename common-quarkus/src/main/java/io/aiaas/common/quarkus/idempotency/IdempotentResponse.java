package io.aiaas.common.quarkus.idempotency;

/**
 * What a creating request answered, as sent: replayed unchanged for a repeat under the same {@code Idempotency-Key}.
 *
 * @param location the {@code Location} header, or null
 * @param body the JSON body, as written
 */
public record IdempotentResponse(int status, String location, String body) {}
