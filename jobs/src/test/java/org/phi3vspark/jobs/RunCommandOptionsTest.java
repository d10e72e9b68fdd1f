package org.phi3vspark.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** CLI values that would otherwise fail late, obscurely, or silently. */
class RunCommandOptionsTest {

    static final String MODEL = TestImages.GOLDEN.resolve("checkpoints/tiny-f32").toString();

    private static String run(int expectedExit, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int rc = Phi3vCli.commandLine().setOut(new PrintWriter(out)).setErr(new PrintWriter(err)).execute(args);
        assertEquals(expectedExit, rc, out + "\n" + err);
        return err.toString();
    }

    @Test
    void badModeAndInputFormatNameTheOptionAndTheChoices(@TempDir Path tmp) {
        SharedSpark.get();
        String err = run(1, "run", "--input", tmp.toString(), "--output", tmp.resolve("o").toString(), "--model",
                MODEL, "--mode", "append");
        assertTrue(err.contains("--mode append") && err.contains("skip-done") && err.contains("overwrite"), err);
        assertFalse(err.contains("No enum constant"), err);
        assertTrue(err.contains("JAVA_OPTS=-Dphi3v.stacktrace=true"), "the hint says where the flag goes: " + err);

        err = run(1, "run", "--input", tmp.toString(), "--output", tmp.resolve("o").toString(), "--model", MODEL,
                "--input-format", "json");
        assertTrue(err.contains("--input-format json") && err.contains("jsonl"), err);
        assertFalse(err.contains("No enum constant"), err);
    }

    @Test
    void misspeltOptionIsNamedEvenWhenARequiredOneIsMissingToo(@TempDir Path tmp) {
        String err = run(2, "run", "--inptu", tmp.toString(), "--output", tmp.resolve("o").toString(), "--model",
                MODEL);
        assertTrue(err.contains("Unknown option: '--inptu'") && err.contains("--input"), err);
        assertFalse(err.contains("Missing required option"), err);

        err = run(2, "run", "--output", tmp.resolve("o").toString(), "--model", MODEL);
        assertTrue(err.contains("Missing required option: '--input"), "nothing misspelt: picocli's message: " + err);
    }

    @Test
    void imageAndVideoColumnTogetherAreRefused(@TempDir Path tmp) {
        String err = run(2, "run", "--input", tmp.toString(), "--output", tmp.resolve("o").toString(), "--model",
                MODEL, "--image-column", "a", "--video-column", "b");
        assertTrue(err.contains("--image-column or --video-column, not both"), err);
    }

    @Test
    void unknownTableFormatNamesTheChoices(@TempDir Path tmp) {
        SharedSpark.get();
        String err = run(1, "run", "--input", tmp.toString(), "--output", tmp.resolve("o").toString(), "--model",
                MODEL, "--table-format", "iceberg");
        assertTrue(err.contains("iceberg") && err.contains("parquet or delta"), err);
    }

    @Test
    void emptyTaskListFailsInsteadOfWritingNothing(@TempDir Path tmp) throws IOException {
        SparkSession spark = SharedSpark.get();
        Path manifest = Files.writeString(tmp.resolve("m.jsonl"), "{\"image_uri\": \"a.png\"}\n");
        // --tasks "" (or ",") parses to no task at all: every manifest row used to plan zero requests and the run
        // "succeeded" with an empty table.
        String err = run(1, "run", "--input", manifest.toString(), "--output", tmp.resolve("o").toString(),
                "--model", MODEL, "--tasks", "");
        assertTrue(err.contains("--tasks"), err);
        assertFalse(Files.exists(tmp.resolve("o")), "nothing may be written");

        // Rows with a task value need no --tasks; rows without one still do.
        Path mixed = Files.writeString(tmp.resolve("mixed.jsonl"),
                "{\"image_uri\": \"a.png\", \"task\": \"ocr\"}\n{\"image_uri\": \"b.png\"}\n");
        var e = assertThrows(IllegalArgumentException.class, () -> RunJob.run(spark,
                RunOptions.of(mixed.toString(), tmp.resolve("o2").toString(), MODEL, List.of()), s -> { }));
        assertTrue(e.getMessage().contains("--tasks") && e.getMessage().contains("no task value"), e.getMessage());
    }
}
