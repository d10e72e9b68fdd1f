package org.phi3vspark.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Runs a main class of the test classpath in a JVM of its own (its own heap limit, environment, memory). */
final class ChildJvm {
    private ChildJvm() {
    }

    /**
     * Runs {@code mainClass} with {@code jvmOptions} and {@code env} added, waits up to 5 minutes, requires exit 0
     * and returns the output lines (stdout and stderr together).
     */
    static List<String> run(Path workDir, List<String> jvmOptions, Map<String, String> env, String mainClass,
            String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(jvmOptions);
        cmd.add("-Dai.djl.offline=true");
        cmd.add("-cp");
        cmd.add(System.getProperty("surefire.test.class.path", System.getProperty("java.class.path")));
        cmd.add(mainClass);
        cmd.addAll(List.of(args));
        Path log = Files.createTempFile(workDir, "child", ".log");
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().putAll(env);
        Process p = pb.start();
        assertTrue(p.waitFor(5, TimeUnit.MINUTES), "child JVM " + mainClass + " did not finish");
        List<String> lines = Files.readAllLines(log);
        assertEquals(0, p.exitValue(), () -> "child JVM " + mainClass + " failed:\n" + String.join("\n", lines));
        return lines;
    }

    /** The last output line starting with {@code prefix}, without it. */
    static String lastLine(List<String> lines, String prefix) {
        return lines.stream().filter(l -> l.startsWith(prefix)).reduce((a, b) -> b)
                .map(l -> l.substring(prefix.length()))
                .orElseThrow(() -> new AssertionError("no line starting with '" + prefix + "' in " + lines));
    }
}
