package org.phi3vspark.model.engine;

/**
 * How a {@link GenerationEngine} schedules its requests and how much memory its KV caches may hold.
 *
 * @param kvBudgetBytes the most the engine's KV caches hold at once, in bytes: the slots of the running sequences,
 *     the prompts being prefilled and the cached shared prefixes. A request that cannot fit even alone fails.
 * @param maxRunning    the most sequences admitted at once (being prefilled or decoding together)
 * @param prefillChunk  prompt tokens prefilled per step while other sequences decode, so that a long prompt does
 *     not stall them; with nothing decoding a prompt is prefilled whole
 * @param sharePrefixes whether requests with the same images and the same tokens up to their last image share the
 *     KV cache of that prefix (computed once, copied into each)
 */
public record EngineOptions(long kvBudgetBytes, int maxRunning, int prefillChunk, boolean sharePrefixes) {
    /**
     * CPU: 8 GiB of KV cache. The real model in float32 takes 768 KB per token: a 2,500-token image prompt with 1,024
     * new tokens needs its row (2.7 GB) and its shared prefix (1.9 GB); smaller models take what they use.
     */
    public static final long CPU_KV_BUDGET_BYTES = 8L << 30;
    public static final int CPU_MAX_RUNNING = 16;
    public static final int CPU_PREFILL_CHUNK = 512;
    /** GPU: half the device memory free once the weights are loaded; the rest is working memory and headroom. */
    public static final double GPU_KV_SHARE_OF_FREE = 0.5;
    public static final int GPU_MAX_RUNNING = 32;
    public static final int GPU_PREFILL_CHUNK = 2048;

    public EngineOptions {
        if (kvBudgetBytes < 1 << 20) {
            throw new IllegalArgumentException("the KV budget must be at least 1 MiB, got " + kvBudgetBytes + " bytes");
        }
        if (maxRunning < 1) {
            throw new IllegalArgumentException("max running sequences must be >= 1, got " + maxRunning);
        }
        if (prefillChunk < 1) {
            throw new IllegalArgumentException("the prefill chunk must be >= 1 token, got " + prefillChunk);
        }
    }

    public static EngineOptions cpuDefaults() {
        return new EngineOptions(CPU_KV_BUDGET_BYTES, CPU_MAX_RUNNING, CPU_PREFILL_CHUNK, true);
    }

    /** @param freeBytes device memory free after the weights were loaded */
    public static EngineOptions gpuDefaults(long freeBytes) {
        return new EngineOptions(Math.max(1L << 30, (long) (freeBytes * GPU_KV_SHARE_OF_FREE)), GPU_MAX_RUNNING,
                GPU_PREFILL_CHUNK, true);
    }

    public EngineOptions withKvBudgetBytes(long bytes) {
        return new EngineOptions(bytes, maxRunning, prefillChunk, sharePrefixes);
    }

    public EngineOptions withMaxRunning(int sequences) {
        return new EngineOptions(kvBudgetBytes, sequences, prefillChunk, sharePrefixes);
    }

    public EngineOptions withPrefillChunk(int tokens) {
        return new EngineOptions(kvBudgetBytes, maxRunning, tokens, sharePrefixes);
    }

    public EngineOptions withSharePrefixes(boolean share) {
        return new EngineOptions(kvBudgetBytes, maxRunning, prefillChunk, share);
    }
}
