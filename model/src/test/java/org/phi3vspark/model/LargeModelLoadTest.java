package org.phi3vspark.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Weights live in engine-owned memory, not in JVM direct buffers: a checkpoint three times the size of the
 * heap (and so of the default -XX:MaxDirectMemorySize) loads and generates in a JVM started with -Xmx64m.
 * Before, every float32 weight was a direct buffer and the load died with "Cannot reserve direct buffer
 * memory".
 */
class LargeModelLoadTest {
    private static final long HEAP_MIB = 64;

    @TempDir
    Path tmp;

    @Test
    void aCheckpointThreeTimesTheHeapLoadsAndGeneratesInASmallJvm() throws Exception {
        Path dir = tmp.resolve("model");
        RandomCheckpoint.write(dir, ModelShape.parse("hidden=512,heads=8,layers=6,intermediate=1536,vision=64x2,"
                + "vision-heads=2"), 3, RandomCheckpoint.Progress.NONE);
        long weights = Files.size(dir.resolve("model.safetensors"));
        assertTrue(weights > 3 * (HEAP_MIB << 20), "checkpoint of " + (weights >> 20) + " MiB");

        List<String> lines = ChildJvm.run(tmp, List.of("-Xmx" + HEAP_MIB + "m"), Map.of(),
                "org.phi3vspark.model.cli.GenerateCommand",
                "--model", dir.toString(), "--prompt", "Hello", "--max-new-tokens", "3", "--json");
        String json = "{" + ChildJvm.lastLine(lines, "{");
        JsonObject result = JsonParser.parseString(json).getAsJsonObject();
        assertTrue(result.get("output_tokens").getAsInt() >= 1, json);
        long peakOutsideHeap = result.getAsJsonObject("memory_mib").get("peak_outside_heap").getAsLong();
        assertTrue(peakOutsideHeap >= weights >> 20, "the weights are resident outside the heap: " + json);
    }
}
