package org.phi3vspark.jobs.s3;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.hadoop.conf.Configuration;

/**
 * A real S3 API server for tests: S3Proxy (filesystem backend) in its own JVM on 127.0.0.1, from the jar that
 * the build copies to target/s3proxy (its Jetty and jclouds never meet Spark's classpath). Buckets are folders
 * of the data directory. Stop and start again to simulate an outage; the data survives.
 */
public final class S3ProxyServer implements AutoCloseable {

    /** Test credentials; the secret is long and unusual so a leak is easy to find in any output. */
    public static final String ACCESS_KEY = "phi3vtestaccess";
    public static final String SECRET_KEY = "phi3v-TEST-secret-Zq81xW-do-not-print";

    private final Path dataDir;
    private final Path workDir;
    private final int port;
    private Process process;

    private S3ProxyServer(Path workDir, int port) {
        this.workDir = workDir;
        this.dataDir = workDir.resolve("data");
        this.port = port;
    }

    /** Starts a server whose buckets live under {@code workDir/data}. */
    public static S3ProxyServer start(Path workDir, String... buckets) throws IOException, InterruptedException {
        S3ProxyServer s = new S3ProxyServer(workDir, freePort());
        Files.createDirectories(s.dataDir);
        for (String b : buckets) {
            Files.createDirectories(s.dataDir.resolve(b));
        }
        s.start();
        return s;
    }

    public static Path jar() {
        Path jar = Path.of(System.getProperty("phi3v.s3proxy.jar", "target/s3proxy/s3proxy.jar"));
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException("S3Proxy jar " + jar.toAbsolutePath() + " is missing; the build copies it"
                    + " there in process-test-resources (run the tests through Maven)");
        }
        return jar;
    }

    public synchronized void start() throws IOException, InterruptedException {
        if (process != null && process.isAlive()) {
            return;
        }
        Path props = workDir.resolve("s3proxy.properties");
        Files.writeString(props, String.join("\n",
                "s3proxy.endpoint=" + endpoint(),
                "s3proxy.authorization=aws-v2-or-v4",
                "s3proxy.identity=" + ACCESS_KEY,
                "s3proxy.credential=" + SECRET_KEY,
                "jclouds.provider=filesystem-nio2",
                "jclouds.filesystem.basedir=" + dataDir.toAbsolutePath(),
                ""), StandardCharsets.UTF_8);
        List<String> cmd = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx256m",
                "-DLOG_LEVEL=warn", "-cp", jar().toAbsolutePath().toString(), "org.gaul.s3proxy.Main",
                "--properties", props.toString()));
        Path log = workDir.resolve("s3proxy.log");
        process = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        // Never outlive the test JVM, even when it dies without running the tests' cleanup.
        Process started = process;
        Runtime.getRuntime().addShutdownHook(new Thread(started::destroyForcibly, "s3proxy-stop"));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("S3Proxy exited with " + process.exitValue() + ": "
                        + Files.readString(log));
            }
            try (Socket sock = new Socket()) {
                sock.connect(new InetSocketAddress("127.0.0.1", port), 200);
                return;
            } catch (IOException notYet) {
                Thread.sleep(100);
            }
        }
        stop();
        throw new IllegalStateException("S3Proxy did not listen on " + endpoint() + " within 60 s: "
                + Files.readString(log));
    }

    /**
     * Stops the server and waits until it has exited (connections are refused from then on). Not interruptible:
     * a hook may call it from a Spark task thread that Spark interrupts when the job fails.
     */
    public synchronized void stop() {
        Process p = process;
        process = null;
        if (p == null) {
            return;
        }
        p.destroy();
        boolean interrupted = false;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (p.isAlive()) {
            if (System.nanoTime() > deadline) {
                p.destroyForcibly();
                deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            }
            try {
                p.waitFor(100, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    /** What the server printed so far (all starts), for failure messages. */
    public String log() {
        try {
            Path log = workDir.resolve("s3proxy.log");
            return Files.exists(log) ? Files.readString(log) : "";
        } catch (IOException e) {
            return e.toString();
        }
    }

    public boolean running() {
        return process != null && process.isAlive();
    }

    @Override
    public void close() {
        stop();
    }

    public String endpoint() {
        return "http://127.0.0.1:" + port;
    }

    public Path dataDir() {
        return dataDir;
    }

    /**
     * The S3A settings the tests use, without the {@code spark.hadoop.} prefix: endpoint, path-style access,
     * region, plain HTTP, and the simple (access key / secret key) credentials provider.
     */
    public Map<String, String> s3aSettings() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("fs.s3a.endpoint", endpoint());
        m.put("fs.s3a.endpoint.region", "us-east-1");
        m.put("fs.s3a.path.style.access", "true");
        m.put("fs.s3a.connection.ssl.enabled", "false");
        m.put("fs.s3a.aws.credentials.provider", "org.apache.hadoop.fs.s3a.SimpleAWSCredentialsProvider");
        m.put("fs.s3a.access.key", ACCESS_KEY);
        m.put("fs.s3a.secret.key", SECRET_KEY);
        // Fail fast when the server is down instead of retrying for minutes.
        m.put("fs.s3a.attempts.maximum", "1");
        m.put("fs.s3a.retry.limit", "1");
        m.put("fs.s3a.retry.interval", "50ms");
        m.put("fs.s3a.connection.establish.timeout", "2s");
        m.put("fs.s3a.connection.timeout", "20s");
        return m;
    }

    /** {@link #s3aSettings()} applied to {@code conf}. */
    public Configuration apply(Configuration conf) {
        s3aSettings().forEach(conf::set);
        return conf;
    }

    /** {@link #s3aSettings()} as {@code --conf spark.hadoop.KEY=VALUE} arguments. */
    public List<String> sparkConfArgs() {
        List<String> out = new ArrayList<>();
        s3aSettings().forEach((k, v) -> {
            out.add("--conf");
            out.add("spark.hadoop." + k + "=" + v);
        });
        return out;
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }
}
