package io.aiaas.infra;

import java.util.ArrayList;
import java.util.List;

/**
 * Makes a child process end with the JVM that started it, however that JVM ends (even SIGKILL): the command runs under
 * a small shell that watches its stdin, a pipe from the parent, and sends the command SIGTERM when the pipe closes.
 * The parent must leave the process's stdin open (the {@link ProcessBuilder} default) for as long as the child should
 * live.
 */
public final class ParentWatchdog {
    private static final String SCRIPT = "exec 3<&0\n"
            + "\"$@\" </dev/null 3<&- & child=$!\n"
            // an asynchronous list reads /dev/null unless redirected: hence fd 3
            + "( while read -r _; do :; done; kill -TERM \"$child\" 2>/dev/null ) <&3 &\n"
            + "exec 3<&-\n"
            + "wait \"$child\"\n";

    private ParentWatchdog() {}

    /** {@code command}, wrapped so that it ends with this JVM; {@code name} shows in process listings. */
    public static List<String> wrap(String name, List<String> command) {
        List<String> wrapped = new ArrayList<>(List.of("/bin/sh", "-c", SCRIPT, name));
        wrapped.addAll(command);
        return wrapped;
    }
}
