package org.phi3vspark.jobs.s3;

import java.io.File;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs a main class of the test classpath in a separate JVM, as {@code bin/phi3v} or spark-submit would: its own
 * Spark, its own log output (all of it captured, so tests can search it), its own exit code.
 */
public final class ChildJvm {

    /** Exit code and everything the JVM printed (stdout and stderr interleaved). */
    public record Result(int exitCode, String output) {
    }

    private ChildJvm() {
    }

    /** The test classpath (surefire keeps the real one in java.class.path). */
    public static String classpath() {
        return System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
    }

    /** Entries of the test classpath. */
    public static List<Path> classpathEntries() {
        List<Path> out = new ArrayList<>();
        for (String e : classpath().split(File.pathSeparator)) {
            if (!e.isBlank()) {
                out.add(Path.of(e).toAbsolutePath());
            }
        }
        return out;
    }

    /** The module opens and system properties this JVM got from surefire (Spark and DJL need them). */
    public static List<String> inheritedJvmFlags() {
        List<String> out = new ArrayList<>();
        for (String a : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            if (a.startsWith("--add-opens") || a.startsWith("-Djdk.reflect") || a.startsWith("-Dio.netty")
                    || a.startsWith("-Dai.djl")) {
                out.add(a);
            }
        }
        return out;
    }

    public static Result run(String mainClass, List<String> args, Map<String, String> env, Path log,
                             long timeoutSeconds) throws IOException, InterruptedException {
        return run(mainClass, List.of(), args, env, log, timeoutSeconds);
    }

    public static Result run(String mainClass, List<String> jvmFlags, List<String> args, Map<String, String> env,
                             Path log, long timeoutSeconds) throws IOException, InterruptedException {
        return run(classpath(), mainClass, jvmFlags, args, env, log, timeoutSeconds);
    }

    /** With another classpath than the tests' own. */
    public static Result run(String classpath, String mainClass, List<String> jvmFlags, List<String> args,
                             Map<String, String> env, Path log, long timeoutSeconds)
            throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("-Xmx2g");
        cmd.addAll(inheritedJvmFlags());
        cmd.addAll(jvmFlags);
        cmd.add("-Dai.djl.offline=true");
        cmd.add("-cp");
        cmd.add(classpath);
        cmd.add(mainClass);
        cmd.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().put("SPARK_LOCAL_IP", "127.0.0.1");
        pb.environment().putAll(env);
        Process p = pb.start();
        try {
            if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly();
                p.waitFor(30, TimeUnit.SECONDS);
                throw new IllegalStateException(mainClass + " did not finish in " + timeoutSeconds + " s; output:\n"
                        + tail(Files.readString(log, StandardCharsets.UTF_8)));
            }
        } finally {
            p.descendants().forEach(ProcessHandle::destroy);
            if (p.isAlive()) {
                p.destroyForcibly();
            }
        }
        return new Result(p.exitValue(), Files.readString(log, StandardCharsets.UTF_8));
    }

    public static String tail(String s) {
        return s.length() <= 6000 ? s : "..." + s.substring(s.length() - 6000);
    }
}
