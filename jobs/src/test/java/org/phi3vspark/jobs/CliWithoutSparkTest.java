package org.phi3vspark.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.phi3vspark.jobs.s3.ChildJvm;

/**
 * The CLI on what the cluster jar holds (the jobs classes and their compile and runtime dependencies, no Spark),
 * started with plain {@code java -cp} as the README's cluster section shows: generate works, the Spark commands
 * say how to start them.
 */
class CliWithoutSparkTest {

    @TempDir
    Path tmp;

    private ChildJvm.Result cli(String name, String... args) throws IOException, InterruptedException {
        String runtime = Files.readString(Path.of(System.getProperty("phi3v.test.runtime.classpath",
                "target/runtime.classpath"))).strip();
        String classpath = Path.of("target", "classes").toAbsolutePath() + File.pathSeparator + runtime;
        assertFalse(classpath.contains("spark-core") || classpath.contains("spark-sql_"), classpath);
        return ChildJvm.run(classpath, Phi3vCli.class.getName(), List.of(), List.of(args), Map.of(),
                tmp.resolve(name + ".log"), 300);
    }

    @Test
    void generateRunsWithoutSpark() throws Exception {
        Path image = TestImages.smallGoldenImages(1).get(0);
        ChildJvm.Result r = cli("generate", "generate", "--model",
                TestImages.GOLDEN.resolve("checkpoints/tiny-f32").toString(), "--image", image.toString(),
                "--num-crops", "1", "--max-new-tokens", "2", "--prompt", "Describe this image.", "--json");
        assertEquals(0, r.exitCode(), ChildJvm.tail(r.output()));
        assertTrue(r.output().contains("\"generated_ids\""), ChildJvm.tail(r.output()));
        assertFalse(r.output().contains("NoClassDefFoundError"), ChildJvm.tail(r.output()));
    }

    @Test
    void sparkCommandsSayHowToStartThem() throws Exception {
        ChildJvm.Result r = cli("run", "run", "--input", "in", "--output", "out", "--model", "m");
        assertEquals(1, r.exitCode(), ChildJvm.tail(r.output()));
        assertTrue(r.output().contains("phi3v run needs Spark") && r.output().contains("spark-submit"),
                ChildJvm.tail(r.output()));
        assertFalse(r.output().contains("NoClassDefFoundError"), ChildJvm.tail(r.output()));
    }
}
