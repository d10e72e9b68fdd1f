package org.phi3vspark.model.engine;

import org.phi3vspark.model.nn.KvCache;

/** The engine's account of its KV caches: the most they held at once. */
final class KvMemory implements KvCache.Ledger {
    private long held;
    private long peak;

    @Override
    public void allocated(long bytes) {
        held += bytes;
        peak = Math.max(peak, held);
    }

    @Override
    public void released(long bytes) {
        held -= bytes;
    }

    long peak() {
        return peak;
    }
}
