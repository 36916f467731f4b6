package io.aiaas.messaging.support;

import java.io.PrintWriter;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Logger;
import javax.sql.DataSource;

/**
 * A {@link DataSource} that behaves as a JTA-enlisting pool does for the code under test: inside
 * {@link #inTransaction} every {@code getConnection()} on that thread returns the transaction's connection (whose
 * {@code close()} leaves it open); outside, a fresh autocommit connection. It also counts the DELETE statements
 * prepared through it.
 */
public final class Transactions implements DataSource {
    /** Work in a transaction. */
    @FunctionalInterface
    public interface Work {
        void run() throws Exception;
    }

    private final DataSource target;
    private final ThreadLocal<Connection> current = new ThreadLocal<>();
    private final AtomicInteger deletes = new AtomicInteger();

    public Transactions(DataSource target) {
        this.target = target;
    }

    /** Runs {@code work} in one transaction: committed when it returns, rolled back when it throws. */
    public void inTransaction(Work work) throws Exception {
        try (Connection c = target.getConnection()) {
            c.setAutoCommit(false);
            current.set(c);
            try {
                work.run();
                c.commit();
            } catch (Exception e) {
                c.rollback();
                throw e;
            } finally {
                current.remove();
            }
        }
    }

    /** DELETE statements prepared through this data source. */
    public int deletes() {
        return deletes.get();
    }

    @Override
    public Connection getConnection() throws SQLException {
        Connection tx = current.get();
        return counting(tx != null ? tx : target.getConnection(), tx != null);
    }

    private Connection counting(Connection c, boolean inTransaction) {
        return (Connection) Proxy.newProxyInstance(
                Connection.class.getClassLoader(), new Class<?>[] {Connection.class}, (proxy, method, args) -> {
                    if (method.getName().equals("close") && inTransaction) {
                        return null;
                    }
                    if (method.getName().equals("prepareStatement")
                            && args != null
                            && args[0] instanceof String sql
                            && sql.startsWith("DELETE")) {
                        deletes.incrementAndGet();
                    }
                    try {
                        return method.invoke(c, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
    }

    @Override
    public Connection getConnection(String username, String password) throws SQLException {
        throw new SQLFeatureNotSupportedException();
    }

    @Override
    public PrintWriter getLogWriter() {
        return null;
    }

    @Override
    public void setLogWriter(PrintWriter out) {}

    @Override
    public void setLoginTimeout(int seconds) {}

    @Override
    public int getLoginTimeout() {
        return 0;
    }

    @Override
    public Logger getParentLogger() throws SQLFeatureNotSupportedException {
        throw new SQLFeatureNotSupportedException();
    }

    @Override
    public <T> T unwrap(Class<T> iface) throws SQLException {
        throw new SQLException("not a wrapper");
    }

    @Override
    public boolean isWrapperFor(Class<?> iface) {
        return false;
    }
}
