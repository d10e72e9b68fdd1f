package org.phi3vspark.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.phi3vspark.model.generate.GenerationConfig;
import org.phi3vspark.model.generate.GenerationRequest;
import org.phi3vspark.model.image.ImageDecoder;
import org.phi3vspark.model.image.ProcessedImage;
import org.phi3vspark.model.text.ChatMessage;

/** A long run of generations must not grow native memory: no NDArray outlives its request. */
class NativeMemoryTest {

    @Test
    void twoHundredGenerationsLeaveNoLiveArraysAndFlatRss() throws IOException {
        Phi3VModel model = GoldenSet.fixtureModel("tiny-f32");
        Path imagePath = GoldenSet.fixtureImage("tiny_40x25.png");
        ProcessedImage image = model.imageProcessor().process(
                new ImageDecoder(1_000_000).decode(Files.readAllBytes(imagePath), imagePath.toString()), 1);
        GenerationRequest withImage = new GenerationRequest(
                model.promptBuilder().build(List.of(new ChatMessage("user", "<|image_1|>\nWhat is this?")),
                        new int[] {image.numImgTokens()}),
                List.of(image), GenerationConfig.greedy(4));
        GenerationRequest textOnly = new GenerationRequest(
                model.promptBuilder().build(List.of(new ChatMessage("user", "Count to ten.")), new int[0]),
                List.of(), GenerationConfig.sampling(6, 0.8, 40, 0.9, 7));

        // Warm-up: PyTorch's and glibc's allocator pools and the JIT grow during the first few hundred
        // generations and then stay flat (measured: +27 MiB over the first 400, +8 MiB over the next 1,200).
        for (int i = 0; i < 100; i++) {
            model.generate(List.of(withImage, textOnly));
        }
        int arraysBefore = model.manager().getManagedArrays().size();
        long nativeBefore = nonHeapRssKiB();
        for (int i = 0; i < 100; i++) {
            model.generate(List.of(withImage, textOnly)); // 2 generations per call
        }
        int arraysAfter = model.manager().getManagedArrays().size();
        long growthMiB = (nonHeapRssKiB() - nativeBefore) / 1024;
        assertEquals(arraysBefore, arraysAfter, "live NDArrays after 200 generations");
        assertTrue(growthMiB < 32, "RSS outside the Java heap grew by " + growthMiB + " MiB over 200 generations");
    }

    /** Resident memory minus the committed Java heap (which may legitimately grow up to -Xmx). */
    private static long nonHeapRssKiB() throws IOException {
        System.gc();
        return rssKiB() - Runtime.getRuntime().totalMemory() / 1024;
    }

    private static long rssKiB() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        throw new IllegalStateException("no VmRSS in /proc/self/status");
    }
}
