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

    /** Writes k, v [kvHeads, T, d] of one sequence at positions start .. start + T − 1 of its row. */
    void write(int layer, int row, int start, NDArray k, NDArray v) {
        long t = k.getShape().get(1);
        if (start + t > capacity) {
            throw new IllegalStateException("KV cache overflow: position " + (start + t) + " > capacity " + capacity);
        }
        NDIndex slot = new NDIndex("{}, :, {}:{}, :", row, start, start + t);
        keys[layer].set(slot, k);
        values[layer].set(slot, v);
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
