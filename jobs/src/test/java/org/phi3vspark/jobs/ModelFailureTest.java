package org.phi3vspark.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.phi3vspark.model.io.SafetensorsFile;
import org.phi3vspark.model.io.SafetensorsWriter;
import org.phi3vspark.model.io.TensorInfo;
import org.phi3vspark.model.nn.WeightNames;

/**
 * The model's fault against the input's: a checkpoint whose lm_head is NaN fails the run, naming non-finite logits,
 * and writes no ok row; one bad image among good ones is one error row in a run that succeeds.
 */
class ModelFailureTest {

    static final Path TINY = TestImages.GOLDEN.resolve("checkpoints/tiny-f32");
    static final int ITEMS = 12;

    @TempDir
    Path tmp;

    /** The tiny checkpoint with every lm_head weight NaN: same structure and revision, broken logits. */
    static Path nanCheckpoint(Path dir) throws IOException {
        Files.createDirectories(dir);
        try (Stream<Path> files = Files.list(TINY)) {
            for (Path f : files.filter(f -> !f.getFileName().toString().endsWith(".safetensors")).toList()) {
                Files.copy(f, dir.resolve(f.getFileName()));
            }
        }
        SafetensorsWriter out = SafetensorsWriter.create();
        try (SafetensorsFile in = SafetensorsFile.open(TINY.resolve("model.safetensors"))) {
            for (TensorInfo t : in.tensors().values()) {
                FloatBuffer data = in.readFloat32(t.name());
                float[] values = new float[data.remaining()];
                data.get(values);
                if (t.name().equals(WeightNames.LM_HEAD)) {
                    Arrays.fill(values, Float.NaN);
                }
                out.putFloat32(t.name(), t.shape(), values);
            }
        }
        out.write(dir.resolve("model.safetensors"));
        return dir;
    }

    private Path manifest(String name, List<String> uris) throws IOException {
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < uris.size(); i++) {
            lines.add("{\"item_id\": \"item" + i + "\", \"image_uri\": \"" + uris.get(i) + "\"}");
        }
        return Files.write(tmp.resolve(name + ".jsonl"), lines);
    }

    private List<String> goodImages(int n) throws IOException {
        List<Path> small = TestImages.smallGoldenImages(2);
        Path dir = Files.createDirectories(tmp.resolve("images"));
        List<String> uris = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            uris.add(Files.copy(small.get(i % small.size()), dir.resolve("img" + i + ".png")).toString());
        }
        return uris;
    }

    private static int run(StringWriter err, Path manifest, Path output, Path model) {
        return Phi3vCli.commandLine().setOut(new PrintWriter(new StringWriter())).setErr(new PrintWriter(err))
                .execute("run", "--input", manifest.toString(), "--output", output.toString(), "--model",
                        model.toString(), "--tasks", "caption", "--num-crops", "1", "--max-new-tokens", "4");
    }

    @Test
    void nanCheckpointFailsTheRunNamingNonFiniteLogitsAndWritesNoOkRow() throws IOException {
        SharedSpark.get();
        Path manifest = manifest("nan", goodImages(ITEMS));
        Path output = tmp.resolve("nan-results");
        StringWriter err = new StringWriter();
        int rc;
        try (QuietLogs quiet = new QuietLogs()) {
            rc = run(err, manifest, output, nanCheckpoint(tmp.resolve("nan-model")));
        }
        assertNotEquals(0, rc, err.toString());
        assertTrue(err.toString().contains("non-finite logits"), err.toString());
        assertTrue(err.toString().contains("the model failed on 3 request(s) in a row"), err.toString());
        assertTrue(err.toString().contains("not the input"), err.toString());
        try (Stream<Path> files = Files.exists(output) ? Files.walk(output) : Stream.empty()) {
            assertEquals(List.of(), files.filter(f -> f.toString().endsWith(".parquet")).toList(),
                    "no data file, so no ok row, of the failed run");
        }
    }

    @Test
    void badImageAmongGoodOnesIsOneErrorRowAndTheRunSucceeds() throws IOException {
        SparkSession spark = SharedSpark.get();
        List<String> uris = new ArrayList<>(goodImages(ITEMS - 1));
        uris.add(5, Files.writeString(tmp.resolve("corrupt.png"), "not an image").toString());
        Path output = tmp.resolve("results");
        StringWriter err = new StringWriter();
        assertEquals(0, run(err, manifest("one-bad", uris), output, TINY), err.toString());
        List<Row> rows = spark.read().parquet(output.toString()).collectAsList();
        assertEquals(ITEMS, rows.size());
        List<Row> errors = rows.stream().filter(r -> !"ok".equals(r.getAs("status"))).toList();
        assertEquals(1, errors.size());
        assertEquals("item5", errors.get(0).getAs("item_id"));
        assertEquals("decode", errors.get(0).getAs("error_stage"));
        assertTrue(((String) errors.get(0).getAs("error")).contains("corrupt.png"));
        assertFalse(err.toString().contains("phi3v:"), err.toString());
    }
}
