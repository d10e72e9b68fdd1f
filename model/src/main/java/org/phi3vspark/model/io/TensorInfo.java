package org.phi3vspark.model.io;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.Objects;

/**
 * One tensor entry of a safetensors file.
 *
 * <p>{@code begin} and {@code end} are ABSOLUTE byte offsets in {@code file} (the header's
 * {@code data_offsets} plus the start of the data block), so the range can be mapped without
 * knowing the header length.
 */
public record TensorInfo(String name, Dtype dtype, long[] shape, long begin, long end, Path file) {

    public TensorInfo {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(dtype, "dtype");
        Objects.requireNonNull(file, "file");
        shape = shape.clone();
    }

    @Override
    public long[] shape() {
        return shape.clone();
    }

    /** Number of dimensions. */
    public int rank() {
        return shape.length;
    }

    /** Product of the shape (1 for a scalar). */
    public long numElements() {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        return n;
    }

    public long byteSize() {
        return end - begin;
    }

    /** Shape as {@code [a, b]}, the form used in error messages. */
    public String shapeString() {
        return Arrays.toString(shape);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TensorInfo t && name.equals(t.name) && dtype == t.dtype && Arrays.equals(shape, t.shape)
                && begin == t.begin && end == t.end && file.equals(t.file);
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, dtype, Arrays.hashCode(shape), begin, end, file);
    }

    @Override
    public String toString() {
        return "TensorInfo[" + name + ", " + dtype + ", " + shapeString() + ", bytes " + begin + ".." + end + " of "
                + file + "]";
    }
}
