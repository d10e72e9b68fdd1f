package org.phi3vspark.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.phi3vspark.udf.task.TaskOverrides;

/**
 * A manifest row's whole conversation ({@code messages}: structs or a JSON string) is the same request as
 * {@code generate --messages} on the same conversation: same text. A bad turn is the row's error, naming it.
 */
class ConversationRunTest {

    static final Path MODEL = TestImages.GOLDEN.resolve("checkpoints/tiny-f32");

    @TempDir
    Path tmp;

    private static JsonArray conversation() {
        JsonArray turns = new JsonArray();
        turns.add(turn("user", "<|image_1|>\nWhat is in this picture?"));
        turns.add(turn("assistant", "A cat on a sofa."));
        turns.add(turn("user", "<|image_2|>\nAnd in this one, compared with the first?"));
        return turns;
    }

    private static JsonObject turn(String role, String content) {
        JsonObject t = new JsonObject();
        t.addProperty("role", role);
        t.addProperty("content", content);
        return t;
    }

    private static String row(String id, List<Path> images, com.google.gson.JsonElement messages) {
        JsonObject o = new JsonObject();
        o.addProperty("item_id", id);
        JsonArray uris = new JsonArray();
        images.forEach(p -> uris.add(p.toString()));
        o.add("image_uris", uris);
        o.add("messages", messages);
        return o.toString();
    }

    private Map<String, Row> runJob(SparkSession spark, String name, List<String> lines) throws IOException {
        Path manifest = Files.write(tmp.resolve(name + ".jsonl"), lines);
        Path out = tmp.resolve(name + "-results");
        RunJob.run(spark, RunOptions.of(manifest.toString(), out.toString(), MODEL.toString(), List.of("caption"))
                .withOverrides(TaskOverrides.small(1, 8)), s -> { });
        return spark.read().parquet(out.toString()).collectAsList().stream()
                .collect(Collectors.toMap(r -> r.getAs("item_id"), r -> r));
    }

    @Test
    void threeTurnsOverTwoImagesGiveTheTextOfGenerateMessages() throws IOException {
        SparkSession spark = SharedSpark.get();
        List<Path> images = TestImages.smallGoldenImages(2);
        JsonArray badTurns = conversation();
        badTurns.set(1, turn("bot", "A cat."));

        Map<String, Row> structs = runJob(spark, "structs", List.of(row("structs", images, conversation()),
                row("bad", images, badTurns)));
        Map<String, Row> json = runJob(spark, "json", List.of(
                row("json", images, new JsonPrimitive(conversation().toString()))));

        Path messages = Files.writeString(tmp.resolve("messages.json"), conversation().toString());
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int rc = Phi3vCli.commandLine().setOut(new PrintWriter(out)).setErr(new PrintWriter(err)).execute(
                "generate", "--model", MODEL.toString(), "--messages", messages.toString(),
                "--image", images.get(0).toString(), "--image", images.get(1).toString(),
                "--num-crops", "1", "--max-new-tokens", "8");
        assertEquals(0, rc, err.toString());
        String generated = out.toString().stripTrailing();

        for (Row r : List.of(structs.get("structs"), json.get("json"))) {
            assertEquals("ok", r.getAs("status"), (String) r.getAs("error"));
            assertEquals(generated, r.getAs("response"));
            assertEquals("<|image_2|>\nAnd in this one, compared with the first?", r.getAs("prompt"));
            List<Row> turns = r.getList(r.fieldIndex("messages"));
            assertEquals(List.of("user", "assistant", "user"), turns.stream().map(t -> (String) t.getAs("role"))
                    .toList());
        }
        assertEquals(structs.get("structs").<String>getAs("request_key"), json.get("json").getAs("request_key"),
                "the same conversation is the same request, however the manifest spells it");

        Row bad = structs.get("bad");
        assertEquals("error", bad.getAs("status"));
        assertEquals("preprocess", bad.getAs("error_stage"));
        String error = bad.getAs("error");
        assertTrue(error.contains("item bad") && error.contains("turn 2") && error.contains("'bot'"), error);
        assertNull(bad.getAs("response"));
    }
}
