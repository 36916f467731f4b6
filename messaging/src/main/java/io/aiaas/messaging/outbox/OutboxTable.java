package io.aiaas.messaging.outbox;

import java.util.regex.Pattern;

/**
 * The outbox table's shape, shared by every service that has one (each creates it with its own Flyway migration):
 *
 * <pre>{@code
 * CREATE TABLE <name> (
 *     id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,  -- publish order
 *     topic      text        NOT NULL,
 *     record_key text,                                              -- per-key order is kept
 *     payload    text        NOT NULL,
 *     headers    jsonb       NOT NULL DEFAULT '{}',                 -- {"x-request-id": …, "traceparent": …}
 *     created_at timestamptz NOT NULL DEFAULT now()
 * );
 * }</pre>
 */
public final class OutboxTable {
    private static final Pattern NAME =
            Pattern.compile("^[A-Za-z_][A-Za-z0-9_]{0,62}(\\.[A-Za-z_][A-Za-z0-9_]{0,62})?$");

    private OutboxTable() {}

    /** The statement that creates an outbox table named {@code name} (tests; migrations spell it out). */
    public static String ddl(String name) {
        return "CREATE TABLE " + checkName(name) + " ("
                + "id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, "
                + "topic text NOT NULL, "
                + "record_key text, "
                + "payload text NOT NULL, "
                + "headers jsonb NOT NULL DEFAULT '{}', "
                + "created_at timestamptz NOT NULL DEFAULT now())";
    }

    /** {@code name} if it is a plain (optionally schema-qualified) SQL identifier; it is spliced into SQL. */
    static String checkName(String name) {
        if (name == null || !NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("not a table name: " + name);
        }
        return name;
    }
}
