package org.phi3vspark.udf.task;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.phi3vspark.model.generate.GenerationConfig;
import org.phi3vspark.model.generate.GenerationOverrides;
import org.phi3vspark.model.generate.json.TokenVocabulary;

class TaskRegistryTest {

    @Test
    void builtInPresetsMatchConfTasksJson() throws IOException {
        TaskRegistry r = TaskRegistry.builtIn();
        assertEquals(List.of("caption", "ocr", "chart", "video_summary"), r.names());
        for (TaskPreset p : r.all()) {
            assertEquals(16, p.numCrops(1));
            assertEquals(4, p.numCrops(3));
            assertEquals(0.0, p.generation().temperature());
        }
        // conf/tasks.json is the documented copy of the bundled presets.
        String bundled = new String(TaskRegistry.class.getResourceAsStream("/org/phi3vspark/udf/tasks.json")
                .readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertEquals(bundled, Files.readString(Path.of("..", "conf", "tasks.json")));
    }

    @Test
    void fileOverridesFieldsAndAddsTasks(@TempDir Path tmp) throws IOException {
        Path f = Files.writeString(tmp.resolve("t.json"), """
                {"tasks": [{"name": "caption", "max_new_tokens": 64},
                           {"name": "alt_text", "prompt": "Alt text for {title}.", "output": "caption"}]}
                """);
        TaskRegistry r = TaskRegistry.builtIn().withFile(f);
        assertEquals(64, r.get("caption").generation().maxNewTokens());
        assertEquals("Describe this image in detail.", r.get("caption").promptTemplate());
        assertEquals(OutputKind.CAPTION, r.get("alt_text").output());
        assertEquals(List.of("title"), r.get("alt_text").placeholders());
        var e = assertThrows(IllegalArgumentException.class, () -> r.get("poem"));
        assertTrue(e.getMessage().contains("poem"));
        Path bad = Files.writeString(tmp.resolve("bad.json"), "{\"tasks\": [{\"name\": \"x\"}]}");
        assertThrows(IllegalArgumentException.class, () -> TaskRegistry.builtIn().withFile(bad));
    }

    @Test
    void placeholdersRenderAndJsonBracesStayText() {
        Map<String, String> row = Map.of("title", "Q3 report");
        String out = TaskPreset.render("Title: {title}; keep {\"a\": 1} and {unknown}.", row::get);
        assertEquals("Title: Q3 report; keep {\"a\": 1} and {unknown}.", out);
        assertEquals(List.of(), TaskRegistry.builtIn().get("chart").placeholders());
    }

    @Test
    void overridesApplyToBothCropBudgets() {
        TaskPreset p = TaskRegistry.builtIn().get("ocr")
                .with(new TaskOverrides(null, 1, null, new GenerationOverrides(8, 0.7, 5, 0.9, 3L), null, null));
        assertEquals(1, p.numCrops(1));
        assertEquals(1, p.numCrops(2));
        assertEquals(GenerationConfig.sampling(8, 0.7, 5, 0.9, 3L), p.generation());
    }

    @Test
    void badGenerationValuesAreRejectedOnTheDriverWithTheModelsMessages() {
        // One validation (GenerationConfig's): an override, a tasks file and a CLI option all end there, so a run
        // with --temperature Infinity fails before any Spark task instead of in every one of them.
        var e = assertThrows(IllegalArgumentException.class, () -> TaskPreset.custom("t", "x")
                .with(new TaskOverrides(null, null, null,
                        new GenerationOverrides(null, Double.POSITIVE_INFINITY, null, null, null), null, null)));
        assertEquals(assertThrows(IllegalArgumentException.class,
                () -> GenerationConfig.sampling(4, Double.POSITIVE_INFINITY, 0, 1.0, 0)).getMessage(), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> TaskPreset.custom("t", "x")
                .with(TaskOverrides.small(1, 0)));
    }

    @Test
    void customTasksUseTheOneSetOfDefaults() {
        assertEquals(GenerationConfig.DEFAULTS, TaskPreset.custom("t", "x").generation());
    }

    @Test
    void aTasksFileDefinesAJsonTaskWithItsSchema(@TempDir Path tmp) throws IOException {
        Path f = Files.writeString(tmp.resolve("t.json"), "{\"tasks\": [{\"name\": \"invoice\", \"prompt\":"
                + " \"Read the invoice.\", \"max_new_tokens\": 96, \"output\": \"json\", \"json_schema\": "
                + JsonColumnTest.INVOICE_SCHEMA + "}]}");
        TaskPreset invoice = TaskRegistry.builtIn().withFile(f).get("invoice");
        assertEquals(OutputKind.JSON, invoice.output());
        assertEquals(JsonColumnTest.schema(JsonColumnTest.INVOICE_SCHEMA), invoice.schema());
        assertEquals(JsonColumn.of("invoice", invoice.schema()), invoice.jsonColumn());
        assertEquals(96, invoice.generation().maxNewTokens());
        // another prompt (a per-run override, a manifest row's prompt) keeps the task's schema
        TaskPreset reworded = invoice.with(new TaskOverrides("Read the receipt.", null, null, null, null, null));
        assertEquals(invoice.schema(), reworded.schema());
        assertEquals(OutputKind.JSON, reworded.output());
        assertNotNull(TaskRegistry.builtIn().get("chart").schema(), "the chart preset has its schema");
        assertNull(TaskRegistry.builtIn().get("caption").schema());
    }

    @Test
    void aBadJsonTaskFailsWhenTheFileIsReadNamingTheTaskAndThePath(@TempDir Path tmp) throws IOException {
        assertFileRejected(tmp, "{\"name\": \"bad\", \"prompt\": \"x\", \"output\": \"json\", \"json_schema\":"
                + " {\"type\": \"object\", \"properties\": {\"a\": {\"oneOf\": []}}}}",
                "task 'bad': json_schema $.properties.a: \"oneOf\" is not supported");
        assertFileRejected(tmp, "{\"name\": \"bad\", \"prompt\": \"x\", \"output\": \"json\"}",
                "task 'bad': task 'bad' has \"output\": \"json\" but no \"json_schema\" to type its column");
        assertFileRejected(tmp, "{\"name\": \"bad\", \"prompt\": \"x\", \"output\": \"json\", \"json_schema\":"
                + " {\"type\": \"object\", \"properties\": {\"a\": {\"type\": [\"string\", \"boolean\"]}}}}",
                "task 'bad': json_schema $.properties.a: a value of type string or boolean has no one column type");
        assertFileRejected(tmp, "{\"name\": \"bad\", \"prompt\": \"x\", \"json_schema\": [1]}",
                "task 'bad': json_schema $: a schema must be a JSON object, got array");
    }

    private static void assertFileRejected(Path tmp, String task, String message) throws IOException {
        Path f = Files.writeString(tmp.resolve("bad.json"), "{\"tasks\": [" + task + "]}");
        var e = assertThrows(IllegalArgumentException.class, () -> TaskRegistry.builtIn().withFile(f));
        assertTrue(e.getMessage().startsWith("task presets file " + f + ", " + message), e.getMessage());
    }

    @Test
    void aSchemaTaskNeedsTheTokensToFinishItsValue() {
        TokenVocabulary vocabulary = TokenVocabulary.load(Path.of(System.getProperty("phi3v.fixtures.dir",
                "../testdata/golden"), "checkpoints", "tiny-f32"));
        TaskPreset chart = TaskRegistry.builtIn().get("chart");
        int minimum = chart.schema().minimumTokens(vocabulary);
        chart.with(TaskOverrides.small(1, minimum)).checkTokenBudget(vocabulary);
        var e = assertThrows(IllegalArgumentException.class,
                () -> chart.with(TaskOverrides.small(1, minimum - 1)).checkTokenBudget(vocabulary));
        assertEquals("task chart: max_new_tokens " + (minimum - 1) + " is below " + minimum + ", the fewest tokens"
                + " in which constrained decoding can always finish a value of its json_schema; raise max_new_tokens"
                + " (the task's, or --max-new-tokens) or turn constrained decoding off"
                + " (spark.phi3v.constrainedDecoding=false)", e.getMessage());
        TaskPreset.custom("free", "x").with(TaskOverrides.small(1, 1)).checkTokenBudget(vocabulary);
    }
}
