package org.phi3vspark.model;

import ai.djl.Device;
import java.nio.file.Path;

/**
 * Child-JVM part of {@link RealDimensionsTest}: loads a checkpoint, warms up, then prints the peak resident
 * memory of one {@value #PROMPT_TOKENS}-token prefill above the memory of the loaded model.
 */
final class PrefillPeak {
    static final int PROMPT_TOKENS = 1000;
    static final String OUTPUT = "prefill peak above loaded bytes: ";

    private PrefillPeak() {
    }

    public static void main(String[] args) {
        try (Phi3VModel model = Phi3VModel.load(Path.of(args[0]), Device.cpu())) {
            model.generate(RealDimensionsTest.textRequest(model, 64, 1, null)); // warm-up: allocator, JIT
            System.gc();
            if (!MemoryMeter.resetPeakRss()) {
                throw new IllegalStateException("cannot reset the peak RSS (/proc/self/clear_refs)");
            }
            long before = MemoryMeter.rssBytes();
            model.generate(RealDimensionsTest.textRequest(model, PROMPT_TOKENS, 1, null));
            System.out.println(OUTPUT + (MemoryMeter.peakRssBytes() - before));
        }
    }
}
