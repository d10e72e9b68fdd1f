package org.phi3vspark.model.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

/**
 * Keys and values of every decoder layer for a batch of sequences, preallocated to a fixed capacity.
 * Rows are ragged: sequence b occupies positions [0, length_b) of row b, so sequences of different
 * lengths decode together and a masked attention ignores the unused tail. Unused entries are zeros,
 * so masked-out positions contribute exactly nothing.
 */
public final class KvCache implements AutoCloseable {
    private final NDArray[] keys; // per layer [B, kvHeads, capacity, d]
    private final NDArray[] values;
    private final int capacity;

    public KvCache(NDManager manager, int layers, int batch, int kvHeads, int capacity, int headDim, DataType dtype) {
        this.keys = new NDArray[layers];
        this.values = new NDArray[layers];
        this.capacity = capacity;
        Shape shape = new Shape(batch, kvHeads, capacity, headDim);
        for (int l = 0; l < layers; l++) {
            keys[l] = manager.zeros(shape, dtype);
            values[l] = manager.zeros(shape, dtype);
        }
    }

    public int capacity() {
        return capacity;
    }

    public int batchSize() {
        return (int) keys[0].getShape().get(0);
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

    /** Drops finished sequences: keeps only the given rows, in that order (one copy per call, not per step). */
    public void keepRows(int[] rows) {
        for (int l = 0; l < keys.length; l++) {
            keys[l] = replace(keys[l], rows);
            values[l] = replace(values[l], rows);
        }
    }

    private static NDArray replace(NDArray old, int[] rows) {
        NDManager manager = old.getManager();
        NDArray index = manager.create(rows).toType(DataType.INT64, false).toDevice(old.getDevice(), false);
        NDArray kept = old.get(index);
        kept.attach(manager);
        index.close();
        old.close();
        return kept;
    }

    @Override
    public void close() {
        for (int l = 0; l < keys.length; l++) {
            keys[l].close();
            values[l].close();
        }
    }
}
