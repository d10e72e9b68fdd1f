package org.phi3vspark.udf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.phi3vspark.udf.task.GenerationSettings;
import org.phi3vspark.udf.task.OutputKind;
import org.phi3vspark.udf.task.TaskOverrides;
import org.phi3vspark.udf.task.TaskPreset;

/** The partition function without Spark: one row per work row, in order, and no prefetch thread left behind. */
class PartitionRunTest {

    static final Path GOLDEN = TransformerTest.GOLDEN;

    static Row work(String id, List<String> uris) {
        GenerationSettings g = GenerationSettings.greedy(2);
        WorkItem w = new WorkItem(id, uris, "caption", org.phi3vspark.model.text.PromptBuilder.withImageTags("Describe.", uris.size()), 1, g,
                OutputKind.TEXT, "ck-" + id, "rk-" + id);
        return WorkSchema.toRow(w, null);
    }

    static long prefetchThreads() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.isAlive() && t.getName().equals("phi3v-prefetch")).count();
    }

    @Test
    void everyWorkRowYieldsOneRowInOrderAndThePoolIsShutDown(@TempDir Path tmp) throws Exception {
        List<Path> images;
        try (Stream<Path> s = Files.list(GOLDEN.resolve("images"))) {
            images = s.filter(p -> p.toString().endsWith(".png")).filter(p -> p.toFile().length() < 64 * 1024)
                    .sorted().limit(1).toList();
        }
        String good = images.get(0).toAbsolutePath().toString();
        String empty = Files.write(tmp.resolve("empty.png"), new byte[0]).toString();
        String corrupt = Files.write(tmp.resolve("corrupt.png"), new byte[] {1, 2, 3, 4, 5}).toString();
        String missing = tmp.resolve("missing.png").toString();
        List<Row> in = List.of(work("a", List.of(good)), work("b", List.of(missing)), work("c", List.of(corrupt)),
                work("d", List.of(good, empty)), work("e", List.of()), work("f", List.of(good)),
                work("g", List.of(missing)));
        Phi3vConf.Settings settings = new Phi3vConf.Settings(2, 1, 3, DevicePolicy.CPU, 89_478_485L, 64L << 20, 32,
                10);
        String model = GOLDEN.resolve("checkpoints/tiny-f32").toString();
        InferencePartition fn = new InferencePartition(model, model, "rev", settings,
                new SerializableHadoopConf(new Configuration()), "run-1", LocalDate.of(2024, 1, 1), null, false);

        long threadsBefore = prefetchThreads();
        Iterator<Row> it = fn.call(in.iterator());
        List<Row> out = new ArrayList<>();
        while (it.hasNext()) {
            out.add(it.next());
        }
        assertFalse(it.hasNext());
        assertThrows(java.util.NoSuchElementException.class, it::next);

        int id = ResultSchema.SCHEMA.fieldIndex("item_id");
        int status = ResultSchema.SCHEMA.fieldIndex("status");
        int stage = ResultSchema.SCHEMA.fieldIndex("error_stage");
        int error = ResultSchema.SCHEMA.fieldIndex("error");
        assertEquals(List.of("a", "b", "c", "d", "e", "f", "g"), out.stream().map(r -> r.getString(id)).toList());
        assertEquals(List.of("ok", "error", "error", "error", "error", "ok", "error"),
                out.stream().map(r -> r.getString(status)).toList());
        assertEquals("read", out.get(1).getString(stage));
        assertTrue(out.get(1).getString(error).contains("missing.png"), out.get(1).getString(error));
        assertEquals("decode", out.get(2).getString(stage));
        assertEquals("read", out.get(3).getString(stage));
        assertTrue(out.get(3).getString(error).contains("empty.png"), out.get(3).getString(error));

        // The iterator's end shuts the per-partition pool down: its threads end (shutdownNow does not wait).
        long deadline = System.currentTimeMillis() + 10_000;
        while (prefetchThreads() > threadsBefore && System.currentTimeMillis() < deadline) {
            Thread.sleep(50);
        }
        assertEquals(threadsBefore, prefetchThreads(), "prefetch threads left running after the partition");
    }

    @Test
    void infiniteTemperatureIsRejectedOnTheDriverNotOnTheExecutor() {
        // GenerationConfig (model) rejects an infinite temperature; the task settings must too, or a run with
        // --temperature Infinity passes every driver check and then fails every Spark task.
        var e = assertThrows(IllegalArgumentException.class,
                () -> new GenerationSettings(4, Double.POSITIVE_INFINITY, 0, 1.0, 0));
        assertTrue(e.getMessage().contains("temperature"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> TaskPreset.custom("t", "x")
                .with(new TaskOverrides(null, null, null, null, Double.POSITIVE_INFINITY, null, null, null, null)));
        assertThrows(IllegalArgumentException.class, () -> new GenerationSettings(4, Double.NaN, 0, 1.0, 0));
        new GenerationSettings(4, 0.7, 50, 0.9, 1).toConfig();
    }
}
