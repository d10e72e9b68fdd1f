package org.phi3vspark.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericRecord;
import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.avro.AvroParquetReader;
import org.apache.parquet.avro.AvroReadSupport;
import org.apache.parquet.hadoop.ParquetReader;
import org.apache.parquet.hadoop.util.HadoopInputFile;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.phi3vspark.udf.exec.LoadedModels;
import org.phi3vspark.udf.row.ResultSchema;
import org.phi3vspark.udf.task.TaskOverrides;
import org.phi3vspark.udf.task.TaskPreset;
import org.phi3vspark.udf.task.TaskRegistry;

/**
 * The job end to end on local[2] with the tiny random checkpoint: one row per item and task, error rows for
 * every kind of bad input, reruns, the CLI on an image folder, and a non-Spark read of the table.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RunJobTest {

    /** Small and fast: one crop, four tokens. */
    static final TaskOverrides FAST = TaskOverrides.small(1, 4);

    @TempDir
    static Path tmp;
    SparkSession spark;
    Path model;
    Path images;
    Path manifest;
    Path output;
    RunSummary first;
    Dataset<Row> firstRows;
    final Map<String, String> expectedStage = new HashMap<>();
    final Map<String, String> expectedUri = new HashMap<>();

    @BeforeAll
    void runOnce() throws IOException {
        spark = SharedSpark.get();
        spark.sparkContext().hadoopConfiguration().set("fs.denied.impl", DeniedFileSystem.class.getName());
        spark.sparkContext().hadoopConfiguration().setBoolean("fs.denied.impl.disable.cache", true);
        // A private copy of the checkpoint: a model key no other test has loaded, so loads can be counted.
        model = tmp.resolve("model");
        Files.createDirectories(model);
        try (Stream<Path> files = Files.list(TestImages.GOLDEN.resolve("checkpoints/tiny-f32"))) {
            for (Path f : files.toList()) {
                Files.copy(f, model.resolve(f.getFileName()));
            }
        }
        images = tmp.resolve("images");
        Files.createDirectories(images.resolve("sub"));
        List<Path> small = TestImages.smallGoldenImages(2);
        Path good1 = Files.copy(small.get(0), images.resolve("good1.png"));
        Path good2 = Files.copy(small.get(1), images.resolve("sub/good2.png"));
        Path bad = tmp.resolve("bad");
        Files.createDirectories(bad);
        Path empty = Files.write(bad.resolve("empty.png"), new byte[0]);
        Path corrupt = Files.writeString(bad.resolve("corrupt.png"), "this is not an image");
        Path truncated = Files.write(bad.resolve("truncated.png"), TestImages.truncated(good1));
        Path unsupported = Files.write(bad.resolve("scan.tif"), TestImages.tiffHeader());
        Path huge = Files.write(bad.resolve("huge.png"), TestImages.pngHeaderOnly(50_000, 50_000));
        Path missing = bad.resolve("missing.png");

        List<String> lines = new ArrayList<>();
        lines.add(row("g1", "n1", good1.toString()));
        lines.add(row("g2", "n2", good2.toString()));
        lines.add(row("multi", "m", good1.toString(), good2.toString()));
        lines.add(row("g1", "n1", good1.toString()));
        expect(lines, "multi_bad", "decode", corrupt, good1.toString(), corrupt.toString());
        expect(lines, "missing", "read", missing, missing.toString());
        expect(lines, "empty", "read", empty, empty.toString());
        expect(lines, "corrupt", "decode", corrupt, corrupt.toString());
        expect(lines, "truncated", "decode", truncated, truncated.toString());
        expect(lines, "unsupported", "decode", unsupported, unsupported.toString());
        expect(lines, "huge", "decode", huge, huge.toString());
        expect(lines, "denied", "read", good1, "denied://" + good1);
        manifest = Files.write(tmp.resolve("manifest.jsonl"), lines);
        output = tmp.resolve("results");

        first = RunJob.run(spark, options(), s -> { });
        firstRows = spark.read().parquet(output.toString()).where("run_id = '" + first.runId() + "'").cache();
    }

    private void expect(List<String> lines, String id, String stage, Path named, String... uris) {
        lines.add(row(id, id, uris));
        expectedStage.put(id, stage);
        expectedUri.put(id, named.getFileName().toString());
    }

    private static String row(String id, String note, String... uris) {
        StringBuilder sb = new StringBuilder("{\"item_id\": \"" + id + "\", \"note\": \"" + note + "\", \"image_uris\": [");
        for (int i = 0; i < uris.length; i++) {
            sb.append(i > 0 ? ", " : "").append('"').append(uris[i]).append('"');
        }
        return sb.append("]}").toString();
    }

    private RunOptions options() {
        TaskRegistry registry = TaskRegistry.builtIn()
                .withTask(TaskPreset.custom("about_note", "The note says {note}. What does the image show?"));
        return new RunOptions(manifest.toString(), InputFormat.AUTO, output.toString(), model.toString(), registry,
                List.of("caption", "about_note"), FAST, WriteMode.SKIP_DONE, List.of("note"), null, null, null);
    }

    @Test
    void oneRowPerManifestRowAndTask() {
        assertEquals(12, first.manifestRows());
        assertEquals(24, first.requestsPlanned());
        assertEquals(24, first.rowsWritten());
        assertEquals(24, firstRows.count());
        // Duplicate manifest rows give one row each.
        assertEquals(4, firstRows.where("item_id = 'g1'").count());
        assertEquals(8, first.ok());
        assertEquals(16, first.errors());
    }

    @Test
    void schemaIsTheDocumentedOne() {
        List<String> expected = new ArrayList<>(List.of(ResultSchema.DATA.fieldNames()));
        expected.add("note");
        expected.add("task");
        expected.add("run_date");
        assertEquals(expected, List.of(firstRows.columns()));
        for (var f : ResultSchema.DATA.fields()) {
            assertEquals(f.dataType(), firstRows.schema().apply(f.name()).dataType(), f.name());
        }
    }

    @Test
    void badInputGivesErrorRowsNamingTheUri() {
        for (Row r : firstRows.where("status = 'error'").collectAsList()) {
            String id = r.getAs("item_id");
            String error = r.getAs("error");
            assertEquals(expectedStage.get(id), r.getAs("error_stage"), id + ": " + error);
            assertTrue(error.contains(expectedUri.get(id)), id + ": " + error);
            assertNull(r.getAs("response"), id);
        }
        assertEquals(expectedStage.keySet().size() * 2L, firstRows.where("status = 'error'").count());
        String denied = firstRows.where("item_id = 'denied'").first().getAs("error");
        assertTrue(denied.contains("permission denied"), denied);
        String multiBad = firstRows.where("item_id = 'multi_bad'").first().getAs("error");
        assertTrue(!multiBad.contains("good1.png"), "only the bad image is blamed: " + multiBad);
    }

    @Test
    void okRowsCarryMetricsAndTypedColumns() {
        List<Row> ok = firstRows.where("status = 'ok'").collectAsList();
        assertEquals(8, ok.size());
        for (Row r : ok) {
            assertNotNull(r.getAs("response"));
            assertTrue((Integer) r.getAs("output_tokens") >= 1);
            assertTrue((Integer) r.getAs("image_tokens") > 0);
            assertTrue((Integer) r.getAs("prompt_tokens") > (Integer) r.getAs("image_tokens"));
            assertEquals(1, (Integer) r.getAs("num_crops"));
            assertEquals(first.modelRevision(), r.getAs("model_revision"));
            List<Row> sizes = r.getList(r.fieldIndex("image_sizes"));
            assertEquals(r.getList(r.fieldIndex("image_uris")).size(), sizes.size());
            assertTrue(sizes.get(0).getInt(0) > 0);
            if ("caption".equals(r.getAs("task"))) {
                assertEquals(((String) r.getAs("response")).strip(), r.getAs("caption"));
            } else {
                assertNull(r.getAs("caption"));
            }
        }
        Row custom = firstRows.where("task = 'about_note' and item_id = 'g2'").first();
        assertEquals("<|image_1|>\nThe note says n2. What does the image show?", custom.getAs("prompt"));
        Row multi = firstRows.where("task = 'caption' and item_id = 'multi'").first();
        assertTrue(((String) multi.getAs("prompt")).startsWith("<|image_1|>\n<|image_2|>\n"));
        assertEquals("ok", multi.getAs("status"));
        assertEquals("n1", firstRows.where("item_id = 'g1'").first().getAs("note"));
    }

    /**
     * caption and about_note of g1 (twice), g2 and multi begin with the same image blocks: one request per distinct
     * prefix prefills it, the other five copy it.
     */
    @Test
    void tasksOfAnItemShareItsImagePrefix() {
        List<Row> ok = firstRows.where("status = 'ok'").collectAsList();
        int fewestImageTokens = ok.stream().mapToInt(r -> r.<Integer>getAs("image_tokens")).min().orElseThrow();
        long promptTokens = ok.stream().mapToLong(r -> r.<Integer>getAs("prompt_tokens")).sum();
        assertEquals(8, ok.size());
        assertTrue(first.reusedPromptTokens() >= 5L * fewestImageTokens, "reused " + first.reusedPromptTokens());
        assertTrue(first.reusedPromptTokens() < promptTokens);
    }

    @Test
    void modelLoadedOncePerExecutorJvm() {
        assertEquals(1, LoadedModels.loadCount(model.toString(), Device.cpu()));
        assertEquals(1, first.modelLoads());
        assertTrue(first.modelCalls() >= 1);
    }

    @Test
    void rerunRetriesOnlyFailures() {
        long callsBefore = LoadedModels.generateCalls(model.toString(), Device.cpu());
        RunSummary again = RunJob.run(spark, options(), s -> { });
        assertEquals(8, again.requestsSkipped());
        assertEquals(16, again.rowsWritten());
        assertEquals(16, again.errors());
        // Failures happen before generate, so the rerun makes no model call at all.
        assertEquals(0, again.modelCalls());
        assertEquals(callsBefore, LoadedModels.generateCalls(model.toString(), Device.cpu()));
        assertEquals(1, LoadedModels.loadCount(model.toString(), Device.cpu()));
    }

    @Test
    void parquetAvroReadsTheTable() throws IOException {
        Schema schema = new Schema.Parser().parse(Path.of("..", "conf", "results.avsc").toFile());
        Configuration conf = new Configuration();
        AvroReadSupport.setAvroReadSchema(conf, schema);
        AvroReadSupport.setRequestedProjection(conf, schema);
        long records = 0;
        long ok = 0;
        List<Path> parts;
        try (Stream<Path> s = Files.walk(output)) {
            parts = s.filter(p -> p.getFileName().toString().endsWith(".parquet")).toList();
        }
        for (Path part : parts) {
            try (ParquetReader<GenericRecord> reader = AvroParquetReader.<GenericRecord>builder(
                    HadoopInputFile.fromPath(new org.apache.hadoop.fs.Path(part.toUri()), conf)).withConf(conf)
                    .build()) {
                for (GenericRecord rec = reader.read(); rec != null; rec = reader.read()) {
                    if (!first.runId().equals(String.valueOf(rec.get("run_id")))) {
                        continue;
                    }
                    records++;
                    if ("ok".equals(String.valueOf(rec.get("status")))) {
                        ok++;
                        Object created = rec.get("created_at");
                        assertTrue(created instanceof Long || created instanceof java.time.Instant, "created_at " + created);
                        assertNotNull(rec.get("generation"));
                    }
                }
            }
        }
        assertEquals(24, records);
        assertEquals(8, ok);
    }

    @Test
    void summaryJsonIsWrittenNextToTheTable() throws IOException {
        Path json = output.resolve(RunJob.RUNS_DIR).resolve(first.runId() + ".json");
        String text = Files.readString(json, StandardCharsets.UTF_8);
        assertTrue(text.contains("\"rows_written\": 24"), text);
        assertTrue(text.contains("\"stage\": \"decode\""), text);
    }

    @Test
    void imageFolderThroughTheCliThenRerunWithoutModelCalls() throws IOException {
        Files.writeString(images.resolve("notes.txt"), "ignored");
        Files.copy(images.resolve("good1.png"), images.resolve(".hidden.png"));
        Path out = tmp.resolve("folder-results");
        String[] args = {"run", "--input", images.toString(), "--output", out.toString(), "--model",
            model.toString(), "--tasks", "caption,ocr", "--num-crops", "1", "--max-new-tokens", "4"};
        StringWriter log1 = new StringWriter();
        assertEquals(0, Phi3vCli.commandLine().setOut(new PrintWriter(log1)).execute(args), log1.toString());
        assertTrue(log1.toString().contains("\"rows_written\": 4"), log1.toString());
        Dataset<Row> t = spark.read().parquet(out.toString());
        assertEquals(4, t.where("status = 'ok'").count());
        for (Row r : t.where("task = 'ocr'").collectAsList()) {
            Row ocr = r.getAs("ocr");
            assertEquals(((String) r.getAs("response")).strip(), ocr.getString(0));
            assertNotNull(ocr.getList(1));
        }
        StringWriter log2 = new StringWriter();
        assertEquals(0, Phi3vCli.commandLine().setOut(new PrintWriter(log2)).execute(args), log2.toString());
        assertTrue(log2.toString().contains("\"rows_written\": 0"), log2.toString());
        assertTrue(log2.toString().contains("\"model_calls\": 0"), log2.toString());
        assertTrue(log2.toString().contains("\"requests_skipped\": 4"), log2.toString());

        String[] overwrite = java.util.Arrays.copyOf(args, args.length + 2);
        overwrite[args.length] = "--mode";
        overwrite[args.length + 1] = "overwrite";
        StringWriter log3 = new StringWriter();
        assertEquals(0, Phi3vCli.commandLine().setOut(new PrintWriter(log3)).execute(overwrite), log3.toString());
        assertEquals(4, spark.read().parquet(out.toString()).count());
    }

    @Test
    void jsonLinesManifestMayMixSingleAndMultiImageRows() throws IOException {
        String good1 = images.resolve("good1.png").toString();
        String good2 = images.resolve("sub/good2.png").toString();
        Path mixed = Files.write(tmp.resolve("mixed.jsonl"), List.of(
                "{\"item_id\": \"one\", \"image_uri\": \"" + good1 + "\"}",
                "{\"item_id\": \"two\", \"image_uris\": [\"" + good1 + "\", \"" + good2 + "\"]}",
                "{\"item_id\": \"both\", \"image_uri\": \"" + good1 + "\", \"image_uris\": [\"" + good2 + "\"]}"));
        Path out = tmp.resolve("mixed-results");
        RunSummary s = RunJob.run(spark, RunOptions.of(mixed.toString(), out.toString(), model.toString(),
                List.of("caption")).withOverrides(FAST), x -> { });
        assertEquals(3, s.rowsWritten());
        Map<String, Row> byItem = new HashMap<>();
        for (Row r : spark.read().parquet(out.toString()).collectAsList()) {
            byItem.put(r.getAs("item_id"), r);
        }
        assertEquals("ok", byItem.get("one").getAs("status"), (String) byItem.get("one").getAs("error"));
        assertEquals(1, byItem.get("one").getList(byItem.get("one").fieldIndex("image_uris")).size());
        assertEquals("ok", byItem.get("two").getAs("status"), (String) byItem.get("two").getAs("error"));
        assertEquals(2, byItem.get("two").getList(byItem.get("two").fieldIndex("image_uris")).size());
        Row both = byItem.get("both");
        assertEquals("error", both.getAs("status"));
        assertEquals("preprocess", both.getAs("error_stage"));
        String error = both.getAs("error");
        assertTrue(error.contains("item both") && error.contains("image_uri and image_uris"), error);
    }

    @Test
    void emptyManifestGivesEmptyResultAndSummary() throws IOException {
        Path empty = Files.write(tmp.resolve("empty.jsonl"), new byte[0]);
        Path out = tmp.resolve("empty-results");
        RunOptions o = RunOptions.of(empty.toString(), out.toString(), model.toString(), List.of("caption"));
        RunSummary s = RunJob.run(spark, o, x -> { });
        assertEquals(0, s.manifestRows());
        assertEquals(0, s.rowsWritten());
        assertEquals(0, s.modelCalls());
        assertTrue(Files.exists(out.resolve(RunJob.RUNS_DIR).resolve(s.runId() + ".json")));
    }

    @Test
    void wrongManifestFailsBeforeAnyTaskNamingTheColumn() throws IOException {
        Path noImages = Files.writeString(tmp.resolve("wrong.csv"), "path,label\na.png,x\n");
        var e1 = assertThrows(IllegalArgumentException.class, () -> RunJob.run(spark,
                RunOptions.of(noImages.toString(), tmp.resolve("w1").toString(), model.toString(),
                        List.of("caption")), s -> { }));
        assertTrue(e1.getMessage().contains("image_uri") && e1.getMessage().contains("--image-column path"),
                e1.getMessage());

        Path wrongType = Files.writeString(tmp.resolve("wrong.jsonl"), "{\"image_uri\": 42}\n");
        var e2 = assertThrows(IllegalArgumentException.class, () -> RunJob.run(spark,
                RunOptions.of(wrongType.toString(), tmp.resolve("w2").toString(), model.toString(),
                        List.of("caption")), s -> { }));
        assertTrue(e2.getMessage().contains("image_uri") && e2.getMessage().contains("string"), e2.getMessage());

        Path badTask = Files.writeString(tmp.resolve("task.jsonl"), "{\"image_uri\": \"a.png\", \"task\": \"poem\"}\n");
        var e3 = assertThrows(IllegalArgumentException.class, () -> RunJob.run(spark,
                RunOptions.of(badTask.toString(), tmp.resolve("w3").toString(), model.toString(),
                        List.of("caption")), s -> { }));
        assertTrue(e3.getMessage().contains("poem"), e3.getMessage());

        Path plain = Files.writeString(tmp.resolve("plain.jsonl"), "{\"image_uri\": \"a.png\"}\n");
        var e4 = assertThrows(IllegalArgumentException.class, () -> RunJob.run(spark,
                RunOptions.of(plain.toString(), tmp.resolve("w4").toString(), model.toString(), List.of("t"))
                        .withRegistry(TaskRegistry.builtIn().withTask(TaskPreset.custom("t", "About {nothing_here}"))),
                s -> { }));
        assertTrue(e4.getMessage().contains("nothing_here"), e4.getMessage());
    }
}
