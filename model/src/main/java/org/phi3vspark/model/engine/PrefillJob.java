package org.phi3vspark.model.engine;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.index.NDIndex;
import org.phi3vspark.model.nn.KvCache;
import org.phi3vspark.model.nn.Phi3Decoder;

/**
 * Prefills prompt rows into one row of a cache, a chunk at a time: rows [0, T) of {@code embeddings} are positions
 * start .. start + T − 1, and each chunk attends to everything written before it, so a prefill in chunks is the
 * same computation as one in a single pass. Owns the embeddings and frees them when done.
 */
final class PrefillJob implements AutoCloseable {
    private final KvCache target;
    private final int row;
    private final NDArray embeddings; // [T, H]
    private final int start;
    private final boolean longFactors;
    private final int length;
    private int done;
    private float[] lastLogits;

    PrefillJob(KvCache target, int row, NDArray embeddings, int start, boolean longFactors) {
        this.target = target;
        this.row = row;
        this.embeddings = embeddings;
        this.start = start;
        this.longFactors = longFactors;
        this.length = (int) embeddings.getShape().get(0);
    }

    /** Runs up to {@code maxTokens} more rows; returns how many ran. The last chunk also yields the last logits. */
    int run(Phi3Decoder decoder, int maxTokens) {
        int n = Math.min(length - done, maxTokens);
        if (n <= 0) {
            return 0;
        }
        try (NDScope scope = new NDScope()) {
            NDArray chunk = embeddings.get(new NDIndex("{}:{}", done, done + n)).expandDims(0); // [1, n, H]
            NDArray out = decoder.forward(chunk, target, row, new int[] {start + done}, new boolean[] {longFactors});
            NDArray hidden = out.get(0); // [n, H]
            if (done + n == length) {
                lastLogits = decoder.logits(hidden.get(n - 1)).toFloatArray();
            }
            scope.suppressNotUsedWarning();
        }
        done += n;
        if (done()) {
            embeddings.close();
        }
        return n;
    }

    boolean done() {
        return done == length;
    }

    int remaining() {
        return length - done;
    }

    /** Float32 logits of the last row, once done. */
    float[] lastLogits() {
        return lastLogits;
    }

    @Override
    public void close() {
        if (!done()) {
            embeddings.close();
        }
    }
}
