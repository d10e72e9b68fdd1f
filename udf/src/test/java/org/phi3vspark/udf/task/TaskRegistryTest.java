package org.phi3vspark.udf.task;

import static org.junit.jupiter.api.Assertions.assertEquals;
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

class TaskRegistryTest {

    @Test
    void builtInPresetsMatchConfTasksJson() throws IOException {
        TaskRegistry r = TaskRegistry.builtIn();
        assertEquals(List.of("caption", "ocr", "chart"), r.names());
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
}
