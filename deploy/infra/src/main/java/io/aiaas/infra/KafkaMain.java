package io.aiaas.infra;

import java.io.IOException;
import java.io.InputStream;

/**
 * Entry point of the broker child JVM: runs {@code kafka.Kafka} and exits when its parent goes away.
 *
 * <p>The parent holds the write end of this process's stdin; when the parent ends in any way (even SIGKILL) the pipe
 * closes, {@code read} returns end of stream, and the broker shuts down through its own shutdown hook. This class
 * runs on the broker's classpath only and touches no Kafka type at compile time.
 */
public final class KafkaMain {

    private KafkaMain() {}

    public static void main(String[] args) throws Exception {
        Thread watchdog = new Thread(
                () -> {
                    try (InputStream in = System.in) {
                        while (in.read() >= 0) {
                            // the parent never writes; any bytes are ignored
                        }
                    } catch (IOException e) {
                        // a broken pipe means the same as end of stream
                    }
                    System.exit(0);
                },
                "parent-watchdog");
        watchdog.setDaemon(true);
        watchdog.start();
        Class.forName("kafka.Kafka").getMethod("main", String[].class).invoke(null, (Object) args);
    }
}
