package org.phi3vspark.model.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

/**
 * Eager scaled dot-product attention, softmax(q·kᵀ + mask)·v with the softmax in float32 (as the
 * reference's eager path), computed over blocks of query rows so that one block's score matrix never
 * exceeds {@code maxScoreBytes}: memory stays bounded for long prompts and many heads, where the full
 * [B, heads, T, S] matrix of a 2.5k-token prompt at 32 heads is 800 MB per copy. Each block's temporaries
 * are freed before the next block starts.
 *
 * <p>Under a causal mask, block [t0, t1) only computes scores over the keys some row of it can see
 * (positions below start + t1): the keys beyond are masked for every row of the block, so they would add
 * exactly zero after the softmax. That skips about half the work of a causal prefill.
 */
final class Attention {
    /** The scores and their float32 softmax are alive together: 4 + 4 bytes per score (float32). */
    private static final long SCORE_BYTES_PER_ELEMENT = 8;

    private final long maxScoreBytes;

    Attention(long maxScoreBytes) {
        if (maxScoreBytes < 1) {
            throw new IllegalArgumentException("attention block budget must be positive, got " + maxScoreBytes);
        }
        this.maxScoreBytes = maxScoreBytes;
    }

    /** Query rows per block for a [batch, heads, ·, keys] score matrix (at least one). */
    long blockRows(long batch, long heads, long keys) {
        return Math.max(1, maxScoreBytes / (SCORE_BYTES_PER_ELEMENT * batch * heads * keys));
    }

    /**
     * q: [B, h, T, d] already scaled by 1/sqrt(d); keys, values: [B, h, S, d]; mask null (every key
     * visible) or causal. Returns the context [B, T, h·d].
     */
    NDArray attend(NDArray q, NDArray keys, NDArray values, CausalMask mask) {
        Shape shape = q.getShape();
        long b = shape.get(0);
        long heads = shape.get(1);
        long t = shape.get(2);
        long d = shape.get(3);
        long s = keys.getShape().get(2);
        long rows = blockRows(b, heads, s);
        if (rows >= t) {
            return block(q, keys, values, mask, 0, (int) t).transpose(0, 2, 1, 3).reshape(b, t, heads * d);
        }
        NDArray context = q.getManager().create(new Shape(b, t, heads, d), q.getDataType()); // [B, T, h, d]
        for (long t0 = 0; t0 < t; t0 += rows) {
            int from = (int) t0;
            int to = (int) Math.min(t, t0 + rows);
            try (NDScope scope = new NDScope()) {
                NDArray part = block(q.get(new NDIndex(":, :, {}:{}, :", from, to)), keys, values, mask, from, to);
                context.set(new NDIndex(":, {}:{}, :, :", from, to), part.transpose(0, 2, 1, 3));
                scope.suppressNotUsedWarning();
            }
        }
        return context.reshape(b, t, heads * d);
    }

    /** Context of query rows [from, to): q [B, h, to − from, d] → [B, h, to − from, d]. */
    private static NDArray block(NDArray q, NDArray keys, NDArray values, CausalMask mask, int from, int to) {
        long visible = mask == null ? keys.getShape().get(2) : mask.visibleKeys(to);
        NDArray k = keys.get(new NDIndex(":, :, :{}, :", visible));
        NDArray v = values.get(new NDIndex(":, :, :{}, :", visible));
        NDArray scores = q.matMul(k.transpose(0, 1, 3, 2)); // [B, h, rows, visible]
        if (mask != null) {
            scores.addi(mask.block(from, to, visible));
        }
        NDArray probabilities = Layers.softmaxFloat32(scores);
        scores.close();
        return probabilities.matMul(v);
    }

    /**
     * The additive causal mask of a batch whose row b holds its new tokens at positions start[b] ..
     * start[b] + T − 1: query t of row b sees key j iff j ≤ start[b] + t. Also covers ragged decode
     * batches (each row at its own length) and prefills that continue a cached prefix. The last block
     * asked for is kept, so the layers of one forward pass share it (a decode step asks for the same
     * block in every layer).
     */
    static final class CausalMask implements AutoCloseable {
        private final NDManager manager;
        private final int[] start;
        private final int keyLength;
        private final DataType dtype;
        private NDArray starts; // [B, 1, 1, 1] float positions of each row's first new token, on the device
        private NDArray cached;
        private long cachedKey = -1;

        CausalMask(NDManager manager, int[] start, int queryLength, DataType dtype) {
            this.manager = manager;
            this.start = start.clone();
            int longest = 0;
            for (int s : start) {
                longest = Math.max(longest, s + queryLength);
            }
            this.keyLength = longest;
            this.dtype = dtype;
        }

        /** Key positions [0, keyLength) that some row may see. */
        int keyLength() {
            return keyLength;
        }

        /** How many leading keys some query row below {@code to} can see. */
        long visibleKeys(int to) {
            long visible = 0;
            for (int s : start) {
                visible = Math.max(visible, s + to);
            }
            return Math.min(visible, keyLength);
        }

        /**
         * [B, 1, to − from, keys]: 0 where open, the dtype's lowest value where closed. Owned by this mask.
         * Built on the device from ranges (only the B start positions come from the host, once).
         */
        NDArray block(int from, int to, long keys) {
            long key = ((long) from << 42) | ((long) to << 21) | keys;
            if (key == cachedKey) {
                return cached;
            }
            NDArray mask;
            try (NDScope scope = new NDScope()) {
                if (starts == null) {
                    starts = manager.create(toFloats(start), new Shape(start.length, 1, 1, 1));
                    NDScope.unregister(starts);
                }
                NDArray queryPositions = manager.arange((float) from, (float) to, 1f).reshape(1, 1, to - from, 1)
                        .add(starts); // [B, 1, rows, 1]
                NDArray keyPositions = manager.arange(0f, (float) keys, 1f).reshape(1, 1, 1, keys);
                mask = keyPositions.gt(queryPositions).toType(dtype, false).muli(Phi3Decoder.maskValue(dtype));
                NDScope.unregister(mask);
            }
            closeCached();
            cached = mask;
            cachedKey = key;
            return mask;
        }

        private static float[] toFloats(int[] values) {
            float[] out = new float[values.length];
            for (int i = 0; i < values.length; i++) {
                out[i] = values[i];
            }
            return out;
        }

        private void closeCached() {
            if (cached != null) {
                cached.close();
                cached = null;
                cachedKey = -1;
            }
        }

        @Override
        public void close() {
            closeCached();
            if (starts != null) {
                starts.close();
                starts = null;
            }
        }
    }
}
