package io.aiaas.common.error;

import java.sql.SQLException;
import java.sql.SQLNonTransientConnectionException;
import java.sql.SQLTransientConnectionException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.TimeoutException;

/**
 * What a database failure means to the caller, read from the SQLState of any {@link SQLException} in the cause chain
 * (JDBC drivers, the connection pool and Hibernate wrap them differently; the SQLState is what they share).
 */
public final class DatabaseFailures {
    /** SQLState of a unique-constraint violation. */
    public static final String UNIQUE_VIOLATION = "23505";

    private static final int MAX_DEPTH = 32;

    private DatabaseFailures() {}

    /** Whether {@code failure} was caused by a unique constraint refusing a row (SQLState 23505). */
    public static boolean isUniqueViolation(Throwable failure) {
        for (Throwable t : chain(failure)) {
            if (t instanceof SQLException sql && UNIQUE_VIOLATION.equals(sql.getSQLState())) {
                return true;
            }
        }
        return false;
    }

    /**
     * Whether {@code failure} means the database cannot be used right now, so the request may succeed later: no
     * connection (SQLState class 08), no resources (class 53), the server shutting down or starting (57P01..57P05),
     * or the pool timing out while waiting for a connection.
     */
    public static boolean isUnavailable(Throwable failure) {
        for (Throwable t : chain(failure)) {
            if (t instanceof SQLTransientConnectionException || t instanceof SQLNonTransientConnectionException) {
                return true;
            }
            if (t instanceof SQLException sql) {
                String state = sql.getSQLState();
                if (state != null && (state.startsWith("08") || state.startsWith("53") || state.startsWith("57P0"))) {
                    return true;
                }
                if (state == null && isPoolTimeout(sql)) {
                    return true;
                }
            }
        }
        return false;
    }

    /**
     * Agroal signals an acquisition timeout with a plain {@code SQLException} that has no SQLState ("Sorry,
     * acquisition timeout!", or "Acquisition timeout while waiting for new connection" caused by a
     * {@link TimeoutException}); its wording is all there is to recognise it by.
     */
    private static boolean isPoolTimeout(SQLException e) {
        if (e.getCause() instanceof TimeoutException) {
            return true;
        }
        String message = e.getMessage();
        return message != null && message.toLowerCase(Locale.ROOT).contains("acquisition timeout");
    }

    /** The failure, its causes and the exceptions SQLExceptions chain to, each once. */
    private static List<Throwable> chain(Throwable failure) {
        Set<Throwable> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        List<Throwable> out = new ArrayList<>();
        ArrayDeque<Throwable> todo = new ArrayDeque<>();
        if (failure != null) {
            todo.add(failure);
        }
        while (!todo.isEmpty() && out.size() < MAX_DEPTH) {
            Throwable t = todo.poll();
            if (!seen.add(t)) {
                continue;
            }
            out.add(t);
            if (t.getCause() != null) {
                todo.add(t.getCause());
            }
            if (t instanceof SQLException sql && sql.getNextException() != null) {
                todo.add(sql.getNextException());
            }
        }
        return out;
    }
}
