package org.phi3vspark.model.cli;

import org.phi3vspark.model.engine.EngineOptions;
import picocli.CommandLine.Option;

/** The engine options of the model commands, as a picocli mixin; an option left out keeps the device's default. */
public final class EngineSettings {

    @Option(names = "--max-running", paramLabel = "N", description = "Sequences running at once (prefilling or"
            + " decoding). Default: " + EngineOptions.CPU_MAX_RUNNING + " on CPU, " + EngineOptions.GPU_MAX_RUNNING
            + " on a GPU.")
    Integer maxRunning;

    @Option(names = "--kv-budget-mib", paramLabel = "MIB", description = "The most the KV caches may hold. Default:"
            + " " + (EngineOptions.CPU_KV_BUDGET_BYTES >> 20) + " on CPU, half the GPU memory free after the weights"
            + " are loaded.")
    Long kvBudgetMib;

    @Option(names = "--prefill-chunk", paramLabel = "TOKENS", description = "Prompt tokens prefilled per step while"
            + " others decode. Default: " + EngineOptions.CPU_PREFILL_CHUNK + " on CPU, "
            + EngineOptions.GPU_PREFILL_CHUNK + " on a GPU.")
    Integer prefillChunk;

    @Option(names = "--no-share-prefixes", description = "Prefill every prompt whole, even where requests share"
            + " their images and the tokens before them.")
    boolean noSharedPrefixes;

    /** These options over the device's defaults. */
    EngineOptions over(EngineOptions defaults) {
        EngineOptions o = defaults.withSharePrefixes(!noSharedPrefixes);
        if (maxRunning != null) {
            o = o.withMaxRunning(maxRunning);
        }
        if (kvBudgetMib != null) {
            o = o.withKvBudgetBytes(kvBudgetMib << 20);
        }
        if (prefillChunk != null) {
            o = o.withPrefillChunk(prefillChunk);
        }
        return o;
    }
}
