package org.phi3vspark.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.phi3vspark.jobs.sql.ResultViews;
import org.phi3vspark.model.generate.json.StrictJson;
import org.phi3vspark.model.generate.json.TokenVocabulary;
import org.phi3vspark.udf.conf.TableFormat;
import org.phi3vspark.udf.task.TaskOverrides;
import org.phi3vspark.udf.task.TaskRegistry;
import org.phi3vspark.udf.task.TaskSchema;

/**
 * Json tasks into a Delta table: a first run with one json task, a rerun in which that task's schema gains one
 * property and loses another and a second json task joins; Delta's schema merge keeps both runs' typed columns,
 * which the views and SQL read. A schema that changes a property's type is refused before any request runs, from
 * the schema in the Delta log, and makes no version.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DeltaSchemaTasksTest {

    static final Path MODEL = TestImages.GOLDEN.resolve("checkpoints/tiny-f32");
    static final String COUNT_V1 = "{\"type\": \"object\", \"properties\": {\"n\": {\"type\": \"integer\"},"
            + " \"label\": {\"type\": \"string\", \"maxLength\": 4}}, \"required\": [\"n\", \"label\"]}";
    /** Keeps n, loses label, gains seen. */
    static final String COUNT_V2 = "{\"type\": \"object\", \"properties\": {\"n\": {\"type\": \"integer\"},"
            + " \"seen\": {\"type\": \"boolean\"}}, \"required\": [\"n\", \"seen\"]}";
    static final String FLAG = "{\"type\": \"object\", \"properties\": {\"ok\": {\"type\": \"boolean\"}},"
            + " \"required\": [\"ok\"]}";
    static final String COUNT_AS_TEXT = "{\"type\": \"object\", \"properties\": {\"n\": {\"type\": \"string\"}}}";

    @TempDir
    static Path tmp;
    SparkSession spark;
    TokenVocabulary vocabulary;
    Path manifest;
    Path output;
    RunSummary first;
    RunSummary second;

    @BeforeAll
    void runTwice() throws IOException {
        spark = SharedSpark.get();
        vocabulary = TokenVocabulary.load(MODEL);
        List<String> lines = new ArrayList<>();
        List<Path> images = TestImages.smallGoldenImages(2);
        for (int i = 0; i < images.size(); i++) {
            lines.add("{\"item_id\": \"i" + i + "\", \"image_uri\": \"" + images.get(i) + "\"}");
        }
        manifest = Files.write(tmp.resolve("manifest.jsonl"), lines);
        output = tmp.resolve("results");
        first = run("v1", List.of("count"), "count", COUNT_V1);
        second = run("v2", List.of("count", "flag"), "count", COUNT_V2, "flag", FLAG);
    }

    /** A run into the Delta table with json tasks given as name, schema pairs; budgets just above each minimum. */
    private RunSummary run(String file, List<String> tasks, String... nameAndSchema) throws IOException {
        List<String> defs = new ArrayList<>();
        for (int i = 0; i < nameAndSchema.length; i += 2) {
            JsonObject schema = JsonParser.parseString(nameAndSchema[i + 1]).getAsJsonObject();
            int budget = TaskSchema.of(schema).minimumTokens(vocabulary) + 2;
            defs.add("{\"name\": \"" + nameAndSchema[i] + "\", \"prompt\": \"Answer in JSON.\", \"max_new_tokens\": "
                    + budget + ", \"output\": \"json\", \"json_schema\": " + schema + "}");
        }
        Path tasksFile = Files.writeString(tmp.resolve(file + ".json"), "{\"tasks\": [" + String.join(",", defs)
                + "]}");
        RunOptions options = RunOptions.of(manifest.toString(), output.toString(), MODEL.toString(), tasks)
                .withRegistry(TaskRegistry.builtIn().withFile(tasksFile))
                .withOverrides(new TaskOverrides(null, 1, null, null, null, null))
                .withTableFormat(TableFormat.DELTA);
        return RunJob.run(spark, options, line -> { });
    }

    @Test
    void bothRunsTypedColumnsReadThroughTheViews() {
        assertEquals(0L, first.tableVersion());
        assertEquals(1L, second.tableVersion());
        assertEquals(2, first.ok());
        assertEquals(0, second.requestsSkipped(), "count's schema changed, so its requests are new");
        assertEquals(4, second.ok());

        ResultViews.register(spark, output.toString());
        var schema = spark.table(ResultViews.RESULTS_TABLE).schema();
        assertEquals("struct<n:bigint,label:string,seen:boolean>", schema.apply("json_count").dataType()
                .simpleString(), "the table's column is the union of both runs' schemas");
        assertEquals("struct<ok:boolean>", schema.apply("json_flag").dataType().simpleString());

        List<Row> rows = spark.sql("SELECT run_id, task, response, json_count.n, json_count.label,"
                + " json_count.seen, json_flag.ok FROM phi3v_results ORDER BY run_id, task, item_id").collectAsList();
        assertEquals(6, rows.size());
        for (Row r : rows) {
            String where = r.toString();
            JsonObject answer = StrictJson.parse(r.getString(2)).getAsJsonObject();
            boolean firstRun = r.getString(0).equals(first.runId());
            if (r.getString(1).equals("count")) {
                assertEquals(answer.get("n").getAsLong(), r.getLong(3), where);
                if (firstRun) {
                    assertEquals(answer.get("label").getAsString(), r.getString(4), where);
                    assertTrue(r.isNullAt(5), "the first run's schema had no seen: " + where);
                } else {
                    assertTrue(r.isNullAt(4), "the second run's schema has no label: " + where);
                    assertEquals(answer.get("seen").getAsBoolean(), r.getBoolean(5), where);
                }
                assertTrue(r.isNullAt(6), where);
            } else {
                assertEquals("flag", r.getString(1), where);
                assertEquals(answer.get("ok").getAsBoolean(), r.getBoolean(6), where);
                assertTrue(r.isNullAt(3) && r.isNullAt(4) && r.isNullAt(5), where);
            }
        }
        // the first run's version still has its own columns only
        var v0 = spark.sql("SELECT * FROM delta.`" + output + "` VERSION AS OF 0").schema();
        assertEquals("struct<n:bigint,label:string>", v0.apply("json_count").dataType().simpleString());
        assertEquals(List.of(), List.of(v0.fieldNames()).stream().filter("json_flag"::equals).toList());
    }

    @Test
    void aTypeChangeIsRefusedBeforeAnyRequestRunsAndMakesNoVersion() {
        var e = assertThrows(IllegalArgumentException.class, () -> run("text", List.of("count"), "count",
                COUNT_AS_TEXT));
        assertTrue(e.getMessage().startsWith("task count: column json_count of table "), e.getMessage());
        assertTrue(e.getMessage().contains("has type struct<n:bigint,label:string,seen:boolean>, but the task's"
                + " json_schema now gives struct<n:string>"), e.getMessage());
        Row latest = spark.sql("DESCRIBE HISTORY delta.`" + output + "`").orderBy(functions.desc("version"))
                .first();
        assertEquals(1L, (Long) latest.getAs("version"), "no version after the second run's");
        assertEquals("phi3v run " + second.runId(), latest.getAs("userMetadata"));
    }
}
