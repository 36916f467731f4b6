package io.aiaas.common.error;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;

class DatabaseFailuresTest {

    /** As Hibernate and Narayana wrap the driver's exception. */
    private static RuntimeException wrapped(Throwable cause) {
        return new IllegalStateException("transaction failed", new RuntimeException("could not execute", cause));
    }

    @Test
    void recognisesUniqueViolationsAnywhereInTheChain() {
        assertTrue(DatabaseFailures.isUniqueViolation(new SQLException("duplicate key", "23505")));
        assertTrue(DatabaseFailures.isUniqueViolation(wrapped(new SQLException("duplicate key", "23505"))));
        SQLException batch = new SQLException("batch failed", "25000");
        batch.setNextException(new SQLException("duplicate key", "23505"));
        assertTrue(DatabaseFailures.isUniqueViolation(batch));

        assertFalse(DatabaseFailures.isUniqueViolation(new SQLException("not null", "23502")));
        assertFalse(DatabaseFailures.isUniqueViolation(new SQLException("foreign key", "23503")));
        assertFalse(DatabaseFailures.isUniqueViolation(new IllegalStateException("no SQL here")));
        assertFalse(DatabaseFailures.isUniqueViolation(null));
    }

    @Test
    void recognisesAnUnusableDatabase() {
        for (String state : new String[] {"08001", "08006", "08003", "53300", "53100", "57P01", "57P03"}) {
            assertTrue(DatabaseFailures.isUnavailable(wrapped(new SQLException("down", state))), state);
        }
        assertTrue(DatabaseFailures.isUnavailable(new SQLTransientConnectionException("gone")));
        // Agroal's acquisition timeouts carry no SQLState
        assertTrue(DatabaseFailures.isUnavailable(wrapped(new SQLException("Sorry, acquisition timeout!"))));
        assertTrue(DatabaseFailures.isUnavailable(
                new SQLException("Acquisition timeout while waiting for new connection", new TimeoutException())));
        // Agroal wraps the driver's refusal to connect
        assertTrue(DatabaseFailures.isUnavailable(wrapped(new SQLException(
                "Exception while creating new connection", new SQLException("Connection refused", "08001")))));

        assertFalse(DatabaseFailures.isUnavailable(new SQLException("syntax error", "42601")));
        assertFalse(DatabaseFailures.isUnavailable(new SQLException("duplicate key", "23505")));
        assertFalse(DatabaseFailures.isUnavailable(new SQLException("no state at all")));
        assertFalse(DatabaseFailures.isUnavailable(new IllegalArgumentException("bad")));
    }

    @Test
    void survivesCausalCycles() {
        RuntimeException a = new RuntimeException("a");
        RuntimeException b = new RuntimeException("b", a);
        a.initCause(b);
        assertFalse(DatabaseFailures.isUnavailable(a));
        assertFalse(DatabaseFailures.isUniqueViolation(a));
    }
}
