package org.phi3vspark.model.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

/**
 * Keys and values of every decoder layer for a number of rows (sequences), each row preallocated to a fixed
 * capacity. Rows are ragged: sequence b occupies positions [0, length_b) of row b, so sequences of different
 * lengths decode together and a masked attention ignores the unused tail. New memory is zeros, and a row
 * only ever holds finite values of some sequence, so masked-out positions contribute exactly nothing.
 *
 * <p>Every allocation and release is reported to a {@link Ledger}, which is how an engine keeps its caches
 * within a memory budget.
 */
public final class KvCache implements AutoCloseable {

    /** What one token of one row costs, and the shape of a row. */
    public record Layout(int layers, int kvHeads, int headDim, DataType dtype) {
        /** Keys and values of every layer for one token, in bytes. */
        public long bytesPerToken() {
            return 2L * layers * kvHeads * headDim * dtype.getNumOfBytes();
        }
    }

    /** Told of every allocation and release of cache memory, in bytes. */
    public interface Ledger {
        Ledger NONE = new Ledger() {
            @Override
            public void allocated(long bytes) {
            }

            @Override
            public void released(long bytes) {
            }
        };

        void allocated(long bytes);

        void released(long bytes);
    }

    private final NDManager manager;
    private final Layout layout;
    private final Ledger ledger;
    private final NDArray[] keys; // per layer [rows, kvHeads, capacity, d]
    private final NDArray[] values;
    private int rows;
    private int capacity;

    public KvCache(NDManager manager, Layout layout, int rows, int capacity, Ledger ledger) {
        this.manager = manager;
        this.layout = layout;
        this.ledger = ledger;
        this.keys = new NDArray[layout.layers()];
        this.values = new NDArray[layout.layers()];
        this.rows = rows;
        this.capacity = capacity;
        for (int l = 0; l < keys.length; l++) {
            keys[l] = zeros(rows, capacity);
            values[l] = zeros(rows, capacity);
        }
    }

    public int capacity() {
        return capacity;
    }

    public int rows() {
        return rows;
    }

    /** Memory held, in bytes. */
    public long bytes() {
        return bytes(rows, capacity);
    }

    /** What a cache of this layout with {@code rows} rows of {@code capacity} tokens holds, in bytes. */
    public static long bytes(Layout layout, int rows, int capacity) {
        return (long) rows * capacity * layout.bytesPerToken();
    }

    private long bytes(int r, int c) {
        return bytes(layout, r, c);
    }

    /** One layer's keys or values: [rows, kvHeads, capacity, d] of zeros, reported to the ledger. */
    private NDArray zeros(int r, int c) {
        ledger.allocated(bytes(r, c) / (2L * keys.length));
        return manager.zeros(new Shape(r, layout.kvHeads(), c, layout.headDim()), layout.dtype());
    }

    private void free(NDArray layerTensor) {
        Shape s = layerTensor.getShape();
        ledger.released(bytes((int) s.get(0), (int) s.get(2)) / (2L * keys.length));
        layerTensor.close();
    }

    /**
     * Where one forward pass writes its new keys and values: row row0 + b at positions start[b] .. start[b] + T − 1.
     * A decode step (one new token per row, several rows) writes every row with one scatter per layer instead of a
     * copy per row.
     */
    Slots slots(NDManager scratch, int row0, int[] start, int t) {
        return new Slots(scratch, row0, start, t);
    }

    final class Slots implements AutoCloseable {
        private final int row0;
        private final int[] start;
        private final int t;
        private final NDArray rowIndex; // [B] int64 for a decode step's scatter, else null
        private final NDArray positionIndex;

        private Slots(NDManager scratch, int row0, int[] start, int t) {
            for (int s : start) {
                if (s + t > capacity) {
                    throw new IllegalStateException("KV cache overflow: position " + (s + t) + " > capacity " + capacity);
                }
            }
            this.row0 = row0;
            this.start = start.clone();
            this.t = t;
            if (t == 1 && start.length > 1) {
                long[] rowsOf = new long[start.length];
                long[] positions = new long[start.length];
                for (int b = 0; b < start.length; b++) {
                    rowsOf[b] = row0 + b;
                    positions[b] = start[b];
                }
                rowIndex = scratch.create(rowsOf).toDevice(keys[0].getDevice(), false);
                positionIndex = scratch.create(positions).toDevice(keys[0].getDevice(), false);
            } else {
                rowIndex = null;
                positionIndex = null;
            }
        }

        /** Writes layer {@code layer}'s k, v [B, kvHeads, T, d]. */
        void write(int layer, NDArray k, NDArray v) {
            if (rowIndex != null) {
                NDIndex slots = new NDIndex("{}, :, {}, :", rowIndex, positionIndex);
                keys[layer].set(slots, k.squeeze(2)); // [B, kvHeads, d] at (row b, position start[b])
                values[layer].set(slots, v.squeeze(2));
                return;
            }
            for (int b = 0; b < start.length; b++) {
                NDIndex slot = new NDIndex("{}, :, {}:{}, :", row0 + b, start[b], start[b] + t);
                keys[layer].set(slot, k.get(b));
                values[layer].set(slot, v.get(b));
            }
        }

        @Override
        public void close() {
            if (rowIndex != null) {
                rowIndex.close();
                positionIndex.close();
            }
        }
    }

    /** Keys of rows [from, to) over positions [0, length): [to − from, kvHeads, length, d]. */
    NDArray keys(int layer, int from, int to, int length) {
        return keys[layer].get(new NDIndex("{}:{}, :, :{}, :", from, to, length));
    }

    NDArray values(int layer, int from, int to, int length) {
        return values[layer].get(new NDIndex("{}:{}, :, :{}, :", from, to, length));
    }

    /** Copies positions [0, length) of {@code source}'s row {@code sourceRow} into row {@code row} of this cache. */
    public void copyRow(KvCache source, int sourceRow, int row, int length) {
        NDIndex from = new NDIndex("{}, :, :{}, :", sourceRow, length);
        NDIndex to = new NDIndex("{}, :, :{}, :", row, length);
        for (int l = 0; l < keys.length; l++) {
            try (NDArray k = source.keys[l].get(from); NDArray v = source.values[l].get(from)) {
                keys[l].set(to, k);
                values[l].set(to, v);
            }
        }
    }

    /**
     * Reshapes to {@code newRows} × {@code newCapacity}, keeping positions [0, min(capacity, newCapacity)) of rows
     * [0, keptRows). One layer at a time, so the old and the new cache are never both whole: the most held at once
     * is the larger of the two plus one layer's keys and values.
     */
    public void resize(int newRows, int newCapacity, int keptRows) {
        if (keptRows > Math.min(rows, newRows)) {
            throw new IllegalArgumentException("cannot keep " + keptRows + " rows when resizing " + rows + " rows to "
                    + newRows);
        }
        NDIndex kept = keptRows == 0 ? null : new NDIndex(":{}, :, :{}, :", keptRows, Math.min(capacity, newCapacity));
        for (int l = 0; l < keys.length; l++) {
            keys[l] = resized(keys[l], newRows, newCapacity, kept);
            values[l] = resized(values[l], newRows, newCapacity, kept);
        }
        rows = newRows;
        capacity = newCapacity;
    }

    /** @param kept the region to carry over, or null for none */
    private NDArray resized(NDArray old, int newRows, int newCapacity, NDIndex kept) {
        NDArray fresh = zeros(newRows, newCapacity);
        if (kept != null) {
            try (NDArray part = old.get(kept)) {
                fresh.set(kept, part);
            }
        }
        free(old);
        return fresh;
    }

    @Override
    public void close() {
        for (int l = 0; l < keys.length; l++) {
            free(keys[l]);
            free(values[l]);
        }
    }
}
