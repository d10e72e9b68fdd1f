package org.phi3vspark.udf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDate;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.SparkConf;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.phi3vspark.model.engine.EngineOptions;
import org.phi3vspark.model.generate.GenerationConfig;
import org.phi3vspark.model.text.ChatMessage;
import org.phi3vspark.udf.conf.DevicePolicy;
import org.phi3vspark.udf.conf.Phi3vConf;
import org.phi3vspark.udf.row.ErrorStage;
import org.phi3vspark.udf.row.ImageSize;
import org.phi3vspark.udf.row.Request;
import org.phi3vspark.udf.row.ResultRow;
import org.phi3vspark.udf.row.ResultSchema;
import org.phi3vspark.udf.row.ResultTable;
import org.phi3vspark.udf.task.ChartResult;
import org.phi3vspark.udf.task.OcrResult;
import org.phi3vspark.udf.task.OutputKind;
import org.phi3vspark.udf.task.ParsedOutput;
import org.phi3vspark.udf.task.TaskPreset;
import org.phi3vspark.udf.task.TaskRegistry;
import org.phi3vspark.udf.task.TaskSchema;

/**
 * Settings validation and the documents generated from code: the settings table, the results table's columns and
 * its Avro contract all come from one declaration each, and a row survives encode and decode by name.
 */
class ConfAndSchemaTest {

    @Test
    void settingsAreValidatedNamingTheKey() {
        Phi3vConf.Settings s = Phi3vConf.from(new SparkConf(false).set("spark.phi3v.maxRunning", "8")
                .set("spark.phi3v.kvBudgetMiB", "2048").set("spark.phi3v.sharePrefixes", "false")
                .set("spark.phi3v.device", "cpu"));
        assertEquals(8, s.maxRunning());
        assertEquals(DevicePolicy.CPU, s.device());
        assertEquals(3, s.maxConsecutiveModelFailures());
        EngineOptions engine = s.engineOptions(EngineOptions.cpuDefaults());
        assertEquals(new EngineOptions(2048L << 20, 8, EngineOptions.CPU_PREFILL_CHUNK, false), engine,
                "set values replace the device's defaults, 0 keeps them");
        var bad = assertThrows(IllegalArgumentException.class,
                () -> Phi3vConf.from(new SparkConf(false).set("spark.phi3v.prefetchRequests", "0")));
        assertTrue(bad.getMessage().contains("spark.phi3v.prefetchRequests"));
        var notBoolean = assertThrows(IllegalArgumentException.class,
                () -> Phi3vConf.from(new SparkConf(false).set("spark.phi3v.sharePrefixes", "yes")));
        assertTrue(notBoolean.getMessage().contains("true or false"));
        var typo = assertThrows(IllegalArgumentException.class,
                () -> Phi3vConf.from(new SparkConf(false).set("spark.phi3v.maxrunning", "4")));
        assertTrue(typo.getMessage().contains("spark.phi3v.maxrunning"));
        assertThrows(IllegalArgumentException.class,
                () -> Phi3vConf.from(new SparkConf(false).set("spark.phi3v.device", "tpu")));
        assertThrows(IllegalArgumentException.class,
                () -> Phi3vConf.from(new SparkConf(false).set("spark.phi3v.maxConsecutiveModelFailures", "0")));
        assertTrue(s.constrainedDecoding(), "on by default");
        assertFalse(Phi3vConf.from(new SparkConf(false).set("spark.phi3v.constrainedDecoding", "FALSE"))
                .constrainedDecoding());
        var typoBoolean = assertThrows(IllegalArgumentException.class,
                () -> Phi3vConf.from(new SparkConf(false).set("spark.phi3v.constrainedDecoding", "ture")));
        assertEquals("setting spark.phi3v.constrainedDecoding=ture is invalid: true or false", typoBoolean.getMessage());
    }

    @Test
    void settingsDocIsGeneratedFromTheCode() throws IOException {
        String doc = Files.readString(Path.of("..", "conf", "SETTINGS.md"));
        assertTrue(doc.contains(Phi3vConf.markdownTable()), "regenerate conf/SETTINGS.md from Phi3vConf.markdownTable()");
        String readme = Files.readString(Path.of("..", "README.md"));
        assertTrue(readme.contains(Phi3vConf.markdownTable()), "README.md's settings table must be Phi3vConf.markdownTable()");
    }

    @Test
    void schemaDocIsGeneratedFromTheCode() throws IOException {
        String table = ResultSchema.markdownTable();
        assertTrue(Files.readString(Path.of("..", "conf", "SCHEMA.md")).contains(table),
                "conf/SCHEMA.md's column table must be ResultSchema.markdownTable():\n" + table);
        assertTrue(Files.readString(Path.of("..", "README.md")).contains(table),
                "README.md's column table must be ResultSchema.markdownTable()");
    }

    @Test
    void avroContractIsTheSchemasDataColumns() throws IOException {
        var file = JsonParser.parseString(Files.readString(Path.of("..", "conf", "results.avsc")));
        var generated = ResultSchema.avroSchema();
        assertEquals(generated, file, () -> "conf/results.avsc must be ResultSchema.avroSchema():\n"
                + new GsonBuilder().setPrettyPrinting().serializeNulls().disableHtmlEscaping().create().toJson(generated));
        assertEquals(Arrays.asList(ResultSchema.DATA.fieldNames()), generated.getAsJsonArray("fields").asList()
                .stream().map(f -> f.getAsJsonObject().get("name").getAsString()).toList());
    }

    @Test
    void resultRowsRoundTripByName() {
        ChartResult chart = new ChartResult("bar", "Sales", "month", "units",
                List.of(new ChartResult.Series("2024", List.of(new ChartResult.Point("Jan", 3.0),
                        new ChartResult.Point("Feb", null)))), null);
        ResultRow r = new ResultRow(
                new ResultRow.Provenance("run-1", "/m", "rev", "cpu()", Instant.parse("2024-01-02T03:04:05Z"),
                        LocalDate.of(2024, 1, 2)),
                new ResultRow.Item("a", List.of("file:/x.png", "file:/y.png"), null,
                        Arrays.asList(new ImageSize(4, 3), null), null, "ck"),
                new Request("chart", "<|image_2|>\nAnd now?", List.of(ChatMessage.user("<|image_1|>\nHi"),
                        ChatMessage.assistant("Hello"), ChatMessage.user("<|image_2|>\nAnd now?")), 4,
                        GenerationConfig.sampling(8, 0.5, 3, 0.9, 7), "rk"),
                new ResultRow.Outcome("ok", "{...}", null, null, "stop", true, new ResultRow.Tokens(10, 6, 2),
                        ParsedOutput.of(null, null, chart)),
                new ResultRow.Timings(1.5, 2.0, 3.0, 4.25, null));
        for (boolean java8 : new boolean[] {false, true}) {
            Row row = ResultSchema.LAYOUT.encode(r, java8);
            assertEquals(ResultSchema.SCHEMA, row.schema());
            assertEquals(11L, (Long) row.getAs("latency_ms"), "the stages' sum, rounded");
            assertEquals(r, ResultSchema.LAYOUT.decode(row));
        }
        ResultRow error = new ResultRow(r.provenance(), r.item(), r.request(),
                new ResultRow.Outcome("error", null, "cannot read", ErrorStage.READ, null, null, ResultRow.Tokens.NONE,
                        ParsedOutput.of(null, new OcrResult(null, null), null)),
                new ResultRow.Timings(0.5, null, null, null, null));
        Row row = ResultSchema.LAYOUT.encode(error, false);
        assertEquals("read", row.getAs("error_stage"));
        assertEquals(error, ResultSchema.LAYOUT.decode(row));
    }

    @Test
    void aRunsTableAddsTheTypedColumnOfEachJsonTaskAndFillsOnlyItsTasksRows() {
        TaskPreset invoice = new TaskPreset("invoice", "Read it.", 16, 4, GenerationConfig.DEFAULTS, OutputKind.JSON,
                TaskSchema.of(JsonParser.parseString("{\"type\": \"object\", \"properties\": {\"total\": {\"type\":"
                        + " \"number\"}}}")));
        ResultTable table = ResultTable.of(List.of(TaskRegistry.builtIn().get("chart"), invoice));
        assertEquals(List.of("json_invoice"), table.jsonColumnNames(), "chart keeps its fixed chart column");
        StructType schema = table.schema(null);
        assertEquals(ResultSchema.SCHEMA.size() + 1, schema.size());
        assertEquals(invoice.jsonColumn().type(), schema.apply("json_invoice").dataType());

        Object total = invoice.jsonColumn().toSpark(JsonParser.parseString("{\"total\": 9.5}"));
        ResultRow.Outcome answered = new ResultRow.Outcome("ok", "{\"total\": 9.5}", null, null, "stop", false,
                new ResultRow.Tokens(10, 6, 5), new ParsedOutput(null, null, null, total, null));
        Request request = new Request("invoice", "Read it.", null, 1, GenerationConfig.greedy(8), "rk");
        ResultRow row = new ResultRow(new ResultRow.Provenance("run-1", "/m", "rev", "cpu()", Instant.EPOCH,
                LocalDate.EPOCH), new ResultRow.Item("a", List.of("file:/x.png"), null, List.of(new ImageSize(4, 3)), null, "ck"),
                request, answered, new ResultRow.Timings(1.0, 1.0, 1.0, 1.0, 1.0));
        Row encoded = table.encode(row, null, false);
        assertEquals(schema, encoded.schema());
        assertEquals(9.5, encoded.getStruct(encoded.fieldIndex("json_invoice")).getDouble(0));
        assertEquals(false, encoded.getAs("closed_early"));
        Row other = table.encode(new ResultRow(row.provenance(), row.item(), new Request("chart", "p", null, 1,
                GenerationConfig.greedy(8), "rk2"), answered, row.timings()), null, false);
        assertNull(other.getAs("json_invoice"), "another task's row leaves the column null");
    }

    @Test
    void aJsonColumnMayGainAndLoseFieldsButNotChangeTheirTypes() {
        StructType existing = ResultTable.of(List.of(jsonTask("{\"a\": {\"type\": \"integer\"}, \"b\": {\"type\":"
                + " \"array\", \"items\": {\"type\": \"string\"}}}"))).schema(null);
        ResultTable.of(List.of(jsonTask("{\"a\": {\"type\": \"integer\"}, \"c\": {\"type\": \"boolean\"}}")))
                .checkAppendableTo(existing, "t");
        ResultTable.of(List.of(TaskRegistry.builtIn().get("caption"))).checkAppendableTo(existing, "t");
        ResultTable numbers = ResultTable.of(List.of(jsonTask(
                "{\"b\": {\"type\": \"array\", \"items\": {\"type\": \"number\"}}}")));
        var e = assertThrows(IllegalArgumentException.class, () -> numbers.checkAppendableTo(existing, "t"));
        assertEquals("task invoice: column json_invoice of table t has type struct<a:bigint,b:array<string>>, but the"
                + " task's json_schema now gives struct<b:array<double>>, and neither Parquet readers nor Delta's"
                + " schema merge can join the two. Keep the types of the fields that exist, rename the task, or"
                + " write to another table.",
                e.getMessage());
    }

    private static TaskPreset jsonTask(String properties) {
        return new TaskPreset("invoice", "Read it.", 16, 4, GenerationConfig.DEFAULTS, OutputKind.JSON,
                TaskSchema.of(JsonParser.parseString("{\"type\": \"object\", \"properties\": " + properties + "}")));
    }
}
