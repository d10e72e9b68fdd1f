package org.phi3vspark.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.phi3vspark.jobs.sql.ResultViews;
import org.phi3vspark.model.generate.json.SchemaViolation;
import org.phi3vspark.model.generate.json.StrictJson;
import org.phi3vspark.model.generate.json.TokenVocabulary;
import org.phi3vspark.model.io.SafetensorsFile;
import org.phi3vspark.model.io.SafetensorsWriter;
import org.phi3vspark.model.io.TensorInfo;
import org.phi3vspark.udf.task.TaskOverrides;
import org.phi3vspark.udf.task.TaskRegistry;

/**
 * Tasks with a JSON schema through {@code phi3v run} with the tiny random-weight checkpoint, whose own output is
 * never JSON: the chart preset and a custom json task (required keys, an enum, a boolean, an integer, a nested
 * array of objects) give ok rows that parse and conform, one request at a time and 8 at once, with budgets a few tokens above
 * each schema's minimum so that the constraint closes values early; the answers land in typed columns that SQL
 * reads directly; the setting turns it off; a model whose greedy output already conforms is not changed by it.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SchemaTasksRunTest {

    static final Path MODEL = TestImages.GOLDEN.resolve("checkpoints/tiny-f32");
    /** The chart schema needs 24 tokens at least, the invoice schema 40: budgets a little above. */
    static final int CHART_TOKENS = 32;
    static final int INVOICE_TOKENS = 48;
    /** Required keys, an enum, a boolean, an integer, a nullable string, a nested array of objects. */
    static final Path INVOICE_SCHEMA = Path.of("..", "testdata", "schemas", "invoice.schema.json");

    /** Eight items of two tasks plus one row that asks its own question: two partitions of 8 and 9 requests. */
    static final int ITEMS = 8;
    static final int REQUESTS = 2 * ITEMS + 1;
    static final String RECEIPT_PROMPT = "<|image_1|>\nRead this receipt and answer in JSON.";

    @TempDir
    static Path tmp;
    SparkSession spark;
    TaskRegistry registry;
    Path manifest;
    RunSummary batchOf1;
    RunSummary batchOf8;
    Dataset<Row> rows1;
    Dataset<Row> rows8;

    @BeforeAll
    void runAtBatchSizes1And8() throws IOException {
        spark = SharedSpark.get();
        Path tasks = Files.writeString(tmp.resolve("tasks.json"), "{\"tasks\": ["
                + "{\"name\": \"chart\", \"max_new_tokens\": " + CHART_TOKENS + "},"
                + "{\"name\": \"invoice\", \"prompt\": \"Read the invoice. Answer in JSON.\", \"max_new_tokens\": "
                + INVOICE_TOKENS + ", \"output\": \"json\", \"json_schema\": " + Files.readString(INVOICE_SCHEMA)
                + "}]}");
        registry = TaskRegistry.builtIn().withFile(tasks);
        List<Path> images = TestImages.smallGoldenImages(4);
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < ITEMS; i++) {
            lines.add("{\"item_id\": \"i" + i + "\", \"image_uri\": \"" + images.get(i % images.size()) + "\"}");
        }
        lines.add("{\"item_id\": \"receipt\", \"image_uri\": \"" + images.get(0) + "\", \"task\": \"invoice\","
                + " \"prompt\": \"Read this receipt and answer in JSON.\"}");
        manifest = Files.write(tmp.resolve("manifest.jsonl"), lines);
        // One request at a time, each prefilled alone; and up to 8 decoding together, sharing their prefixes.
        batchOf1 = run("batch1", Map.of("spark.phi3v.maxRunning", "1", "spark.phi3v.sharePrefixes", "false"));
        batchOf8 = run("batch8", Map.of("spark.phi3v.maxRunning", "8"));
        rows1 = table("batch1").where("run_id = '" + batchOf1.runId() + "'").cache();
        rows8 = table("batch8").where("run_id = '" + batchOf8.runId() + "'").cache();
    }

    /** Rows without a task value get {@code tasks}; one crop per image, each task's own max_new_tokens. */
    private RunOptions options(String table, TaskRegistry registry, List<String> tasks) {
        return RunOptions.of(manifest.toString(), tmp.resolve(table).toString(), MODEL.toString(), tasks)
                .withRegistry(registry).withOverrides(new TaskOverrides(null, 1, null, null, null, null));
    }

    private RunOptions options(String table) {
        return options(table, registry, List.of("chart", "invoice"));
    }

    private RunSummary run(String table, Map<String, String> settings) {
        return run(options(table), settings);
    }

    /** A run with some spark.phi3v.* settings set on the session (how a notebook sets them), then unset. */
    private RunSummary run(RunOptions options, Map<String, String> settings) {
        settings.forEach(spark.conf()::set);
        try {
            return RunJob.run(spark, options, line -> { });
        } finally {
            settings.keySet().forEach(spark.conf()::unset);
        }
    }

    private Dataset<Row> table(String name) {
        return ResultViews.register(spark, tmp.resolve(name).toString());
    }

    private Optional<SchemaViolation> problem(String task, String text) {
        return registry.get(task).schema().schema().validate(StrictJson.parse(text));
    }

    @Test
    void everyChartAndInvoiceRowIsOkParsesAndConformsOneAtATimeAnd8Running() {
        for (Dataset<Row> rows : List.of(rows1, rows8)) {
            assertEquals(REQUESTS, rows.count());
            for (Row r : rows.collectAsList()) {
                String task = r.getAs("task");
                String where = task + " " + r.getAs("item_id") + ": " + r.getAs("response") + " " + r.getAs("error");
                assertEquals("ok", r.getAs("status"), where);
                assertEquals(Optional.empty(), problem(task, r.getAs("response")), where);
                int budget = task.equals("chart") ? CHART_TOKENS : INVOICE_TOKENS;
                assertTrue((Integer) r.getAs("output_tokens") <= budget, where);
                assertEquals(budget, ((Row) r.getAs("generation")).<Integer>getAs("max_new_tokens"), where);
                // a few tokens above the minimum, random weights never finish a value themselves: the budget
                // steers every answer onto a shortest completion
                assertEquals(true, r.getAs("closed_early"), where);
                if (task.equals("chart")) {
                    Row chart = r.getAs("chart");
                    assertNull(chart.getAs("parse_error"), where);
                    assertEquals(StrictJson.parse(r.getAs("response")).getAsJsonObject().get("title").getAsString(),
                            chart.getAs("title"), where);
                    assertNull(r.getAs("json_invoice"), where);
                } else {
                    assertNotNull(r.getAs("json_invoice"), where);
                    assertNull(r.getAs("chart"), where);
                }
            }
        }
        assertEquals(REQUESTS, batchOf1.ok());
        assertEquals(REQUESTS, batchOf8.ok());
        // Engine steps: one request at a time takes a step per generated token of each; 8 at once share them.
        assertTrue(2 * batchOf8.modelCalls() < batchOf1.modelCalls(), "engine steps, 8 running "
                + batchOf8.modelCalls() + " vs 1 running " + batchOf1.modelCalls());
        assertTrue(batchOf8.reusedPromptTokens() > 0, "the tasks of an item share their prefix");
        assertEquals(0, batchOf1.reusedPromptTokens(), "sharePrefixes=false");
    }

    @Test
    void batchingDoesNotChangeAnyAnswer() {
        assertEquals(answers(rows1), answers(rows8));
    }

    private static Map<String, String> answers(Dataset<Row> rows) {
        Map<String, String> out = new TreeMap<>();
        for (Row r : rows.collectAsList()) {
            out.put(r.getAs("task") + " " + r.getAs("item_id"), r.getAs("response") + " " + r.getAs("closed_early"));
        }
        return out;
    }

    @Test
    void aRowsOwnPromptKeepsTheTasksSchema() {
        Row receipt = rows8.where("item_id = 'receipt'").first();
        assertEquals("invoice", receipt.getAs("task"));
        assertEquals(RECEIPT_PROMPT, receipt.getAs("prompt"));
        assertEquals("ok", receipt.getAs("status"));
        assertEquals(Optional.empty(), problem("invoice", receipt.getAs("response")));
        assertNotNull(receipt.getAs("json_invoice"));
    }

    @Test
    void sqlReadsTheTypedColumnsWithoutJsonFunctions() {
        table("batch8");
        List<Row> lines = spark.sql("SELECT item_id, json_invoice.status, json_invoice.paid, json_invoice.line_count,"
                + " json_invoice.lines[0].item, json_invoice.lines[0].qty, json_invoice.lines[0].price, response"
                + " FROM phi3v_latest WHERE task = 'invoice' ORDER BY item_id").collectAsList();
        assertEquals(ITEMS + 1, lines.size());
        for (Row r : lines) {
            var answer = StrictJson.parse(r.getString(7)).getAsJsonObject();
            var first = answer.getAsJsonArray("lines").get(0).getAsJsonObject();
            assertEquals(answer.get("status").getAsString(), r.getString(1));
            assertEquals(answer.get("paid").getAsBoolean(), r.getBoolean(2));
            assertEquals(answer.get("line_count").getAsLong(), r.getLong(3));
            assertEquals(first.get("item").getAsString(), r.getString(4));
            assertEquals(first.get("qty").getAsLong(), r.getLong(5));
            assertEquals(first.get("price").getAsDouble(), r.getDouble(6));
        }
        assertEquals("struct<invoice_id:string,status:string,paid:boolean,line_count:bigint,notes:string,"
                + "lines:array<struct<item:string,qty:bigint,price:double>>>",
                spark.table("phi3v_results").schema().apply("json_invoice").dataType().simpleString());
        // the README's chart query: get() reads a first point that may be absent
        List<Row> charts = spark.sql("SELECT chart.chart_type, get(chart.series, 0).name,"
                + " get(get(chart.series, 0).points, 0).y, response FROM phi3v_latest WHERE task = 'chart'")
                .collectAsList();
        assertEquals(ITEMS, charts.size());
        for (Row c : charts) {
            var answer = StrictJson.parse(c.getString(3)).getAsJsonObject();
            assertEquals(answer.get("chart_type").getAsString(), c.getString(0));
            var series = answer.getAsJsonArray("series");
            assertEquals(series.isEmpty() ? null : series.get(0).getAsJsonObject().get("name").getAsString(),
                    c.get(1), c.toString());
            assertTrue(!series.isEmpty() || c.isNullAt(2), c.toString());
        }
    }

    @Test
    void aRerunWithOtherTasksAppendsAndTheTypedColumnStaysReadable() {
        TaskRegistry shortCaptions = registry.withTask(registry.get("caption").with(TaskOverrides.small(1, 2)));
        RunSummary captions = run(options("batch1", shortCaptions, List.of("caption")), Map.of());
        assertEquals(ITEMS, captions.ok(), "the receipt row names its task, invoice, which is done");
        table("batch1");
        assertEquals(ITEMS + 1, spark.sql("SELECT json_invoice.lines[0].qty FROM phi3v_results"
                + " WHERE task = 'invoice' AND json_invoice.lines[0].qty IS NOT NULL").count());
        assertEquals(0, spark.sql("SELECT * FROM phi3v_results WHERE task = 'caption'"
                + " AND json_invoice IS NOT NULL").count());
    }

    @Test
    void aJsonTaskThatChangesAFieldsTypeCannotAppendToItsTable() throws IOException {
        Path changed = Files.writeString(tmp.resolve("changed.json"), "{\"tasks\": [{\"name\": \"invoice\","
                + " \"prompt\": \"x\", \"max_new_tokens\": 64, \"output\": \"json\", \"json_schema\":"
                + " {\"type\": \"object\", \"properties\": {\"line_count\": {\"type\": \"string\"}}}}]}");
        var e = assertThrows(IllegalArgumentException.class, () -> run(options("batch1",
                TaskRegistry.builtIn().withFile(changed), List.of("invoice")), Map.of()));
        assertTrue(e.getMessage().startsWith("task invoice: column json_invoice of table "), e.getMessage());
        assertTrue(e.getMessage().contains("now gives struct<line_count:string>"), e.getMessage());
    }

    /** A Parquet table whose runs wrote no row has no data file to read a schema from: nothing to conflict with. */
    @Test
    void aJsonTaskAppendsToAParquetTableWithoutDataFiles() throws IOException {
        Path empty = Files.write(tmp.resolve("empty.jsonl"), new byte[0]);
        Path one = Files.write(tmp.resolve("one.jsonl"), List.of("{\"item_id\": \"one\", \"image_uri\": \""
                + TestImages.smallGoldenImages(1).get(0) + "\"}"));
        Path output = tmp.resolve("empty-first");
        RunJob.run(spark, RunOptions.of(empty.toString(), output.toString(), MODEL.toString(), List.of("invoice"))
                .withRegistry(registry), line -> { });
        RunSummary invoice = RunJob.run(spark, RunOptions.of(one.toString(), output.toString(), MODEL.toString(),
                List.of("invoice")).withRegistry(registry).withOverrides(new TaskOverrides(null, 1, null, null, null,
                null)), line -> { });
        assertEquals(1, invoice.ok());
        assertNotNull(table("empty-first").first().getAs("json_invoice"));
    }

    @Test
    void turnedOffTheModelWritesFreelyAndItsGarbageIsAParseError() {
        RunSummary free = run("batch8", Map.of("spark.phi3v.constrainedDecoding", "false"));
        assertEquals(0, free.requestsSkipped(), "constrained rows are not the free run's requests");
        List<Row> rows = table("batch8").where("run_id = '" + free.runId() + "'").collectAsList();
        assertEquals(REQUESTS, rows.size());
        for (Row r : rows) {
            String where = r.getAs("task") + " " + r.getAs("item_id") + ": " + r.getAs("response");
            assertEquals("error", r.getAs("status"), where);
            assertEquals("parse", r.getAs("error_stage"), where);
            assertNotNull(r.getAs("response"), "the text is kept: " + where);
            assertNull(r.getAs("closed_early"), where);
            assertNull(r.getAs("json_invoice"), where);
        }
    }

    @Test
    void aBudgetBelowTheSchemasMinimumFailsBeforeAnyRequestRuns() {
        Path output = tmp.resolve("too-small");
        var e = assertThrows(IllegalArgumentException.class, () -> run(options("too-small")
                .withOverrides(TaskOverrides.small(1, 8)), Map.of()));
        assertTrue(e.getMessage().startsWith("task chart: max_new_tokens 8 is below 24"), e.getMessage());
        assertFalse(Files.exists(output), "nothing was written");
        // the minimum is constrained decoding's: without it the run goes ahead
        RunSummary free = run(options("too-small").withOverrides(TaskOverrides.small(1, 8)),
                Map.of("spark.phi3v.constrainedDecoding", "false"));
        assertEquals(REQUESTS, free.rowsWritten());
    }

    /**
     * A model that already answers with a valid value: the tiny checkpoint with an output layer that writes the
     * digit 1 or 2, whichever the hidden state's first component's sign picks, so its greedy text is an integer.
     * Under the schema {"type": "integer"} the constrained run is the same, token for token.
     */
    @Test
    void whereTheGreedyAnswerAlreadyConformsTheConstraintChangesNothing() throws IOException {
        Path digits = digitWritingCheckpoint(tmp.resolve("digits-model"));
        Path tasks = Files.writeString(tmp.resolve("digits.json"), "{\"tasks\": [{\"name\": \"number\", \"prompt\":"
                + " \"How many?\", \"max_new_tokens\": 12, \"output\": \"json\", \"json_schema\": {\"type\":"
                + " \"integer\"}}]}");
        List<String> items = new ArrayList<>();
        for (Path image : TestImages.smallGoldenImages(3)) {
            items.add("{\"image_uri\": \"" + image + "\"}");
        }
        Path numbers = Files.write(tmp.resolve("numbers.jsonl"), items);
        RunOptions options = RunOptions.of(numbers.toString(), tmp.resolve("digits").toString(), digits.toString(),
                List.of("number")).withRegistry(TaskRegistry.builtIn().withFile(tasks))
                .withOverrides(new TaskOverrides(null, 1, null, null, null, null));
        RunSummary free = run(options, Map.of("spark.phi3v.constrainedDecoding", "false"));
        RunSummary constrained = run(options, Map.of());
        Dataset<Row> rows = table("digits");
        String[] columns = {"item_id", "status", "response", "finish_reason", "output_tokens", "json_number"};
        List<Row> freeRows = rows.where("run_id = '" + free.runId() + "'").orderBy("item_id")
                .selectExpr(columns).collectAsList();
        List<Row> constrainedRows = rows.where("run_id = '" + constrained.runId() + "'").orderBy("item_id")
                .selectExpr(columns).collectAsList();
        assertEquals(3, freeRows.size());
        assertEquals(freeRows, constrainedRows);
        for (Row r : freeRows) {
            assertEquals("ok", r.getString(1), r.toString());
            assertTrue(r.getString(2).matches("[12]{12}"), r.toString());
            assertEquals(Long.parseLong(r.getString(2)), r.getLong(5));
        }
        assertEquals(List.of(false), rows.where("run_id = '" + constrained.runId() + "'")
                .select("closed_early").distinct().collectAsList().stream().map(r -> r.get(0)).toList());
    }

    private static Path digitWritingCheckpoint(Path dir) throws IOException {
        Files.createDirectories(dir);
        try (Stream<Path> files = Files.list(MODEL)) {
            for (Path f : files.filter(f -> !f.getFileName().toString().endsWith(".safetensors")).toList()) {
                Files.copy(f, dir.resolve(f.getFileName()));
            }
        }
        TokenVocabulary vocabulary = TokenVocabulary.load(MODEL);
        int one = tokenSpelling(vocabulary, "1");
        int two = tokenSpelling(vocabulary, "2");
        SafetensorsWriter out = SafetensorsWriter.create();
        try (SafetensorsFile in = SafetensorsFile.open(MODEL.resolve("model.safetensors"))) {
            in.metadata().forEach(out::metadata);
            for (TensorInfo t : in.tensors().values()) {
                float[] values = new float[(int) t.numElements()];
                in.readFloat32(t.name()).get(values);
                if (t.name().equals("lm_head.weight")) {
                    int hidden = (int) t.shape()[1];
                    Arrays.fill(values, 0f);
                    values[one * hidden] = 10f;
                    values[two * hidden] = -10f;
                }
                out.putFloat32(t.name(), t.shape(), values);
            }
        }
        out.write(dir.resolve("model.safetensors"));
        return dir;
    }

    private static int tokenSpelling(TokenVocabulary vocabulary, String text) {
        for (int id = 0; id < vocabulary.size(); id++) {
            byte[] bytes = vocabulary.text(id);
            if (bytes != null && new String(bytes, StandardCharsets.UTF_8).equals(text)) {
                return id;
            }
        }
        throw new IllegalStateException("no token spells " + text);
    }
}
