package org.phi3vspark.model.io;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * Builds a safetensors file in memory (test fixtures, small exports). Tensors are written in the
 * order they were added; the header is padded with spaces to a multiple of 8 bytes like the
 * reference writer, so the data block stays aligned.
 */
public final class SafetensorsWriter {
    private record Entry(Dtype dtype, long[] shape, byte[] data) {
    }

    private final Map<String, Entry> entries = new LinkedHashMap<>();
    private final Map<String, String> metadata = new LinkedHashMap<>();

    private SafetensorsWriter() {
    }

    public static SafetensorsWriter create() {
        return new SafetensorsWriter();
    }

    public SafetensorsWriter putFloat32(String name, long[] shape, float[] data) {
        ByteBuffer b = buffer(name, shape, data.length, Dtype.F32);
        b.asFloatBuffer().put(data);
        return add(name, Dtype.F32, shape, b);
    }

    /** Stores {@code data} rounded to bfloat16 (round to nearest, ties to even). */
    public SafetensorsWriter putBf16(String name, long[] shape, float[] data) {
        ByteBuffer b = buffer(name, shape, data.length, Dtype.BF16);
        for (float v : data) {
            b.putShort(FloatFormats.floatToBf16(v));
        }
        return add(name, Dtype.BF16, shape, b);
    }

    public SafetensorsWriter putLongs(String name, long[] shape, long[] data) {
        ByteBuffer b = buffer(name, shape, data.length, Dtype.I64);
        b.asLongBuffer().put(data);
        return add(name, Dtype.I64, shape, b);
    }

    public SafetensorsWriter putInts(String name, long[] shape, int[] data) {
        ByteBuffer b = buffer(name, shape, data.length, Dtype.I32);
        b.asIntBuffer().put(data);
        return add(name, Dtype.I32, shape, b);
    }

    /** Stores already-encoded little-endian bytes of any dtype (e.g. U8 pixels or F16 bit patterns). */
    public SafetensorsWriter putRaw(String name, Dtype dtype, long[] shape, byte[] littleEndianData) {
        long count = elementCount(name, shape);
        if (count * dtype.bytes() != littleEndianData.length) {
            throw new IllegalArgumentException("tensor " + name + ": shape " + Arrays.toString(shape) + " of " + dtype
                    + " needs " + count * dtype.bytes() + " bytes, got " + littleEndianData.length);
        }
        return add(name, dtype, shape, ByteBuffer.wrap(littleEndianData.clone()));
    }

    public SafetensorsWriter metadata(String key, String value) {
        metadata.put(Objects.requireNonNull(key, "key"), Objects.requireNonNull(value, "value"));
        return this;
    }

    /** Writes the file, replacing an existing one. */
    public void write(Path file) throws IOException {
        JsonObject header = new JsonObject();
        if (!metadata.isEmpty()) {
            JsonObject meta = new JsonObject();
            metadata.forEach(meta::addProperty);
            header.add("__metadata__", meta);
        }
        long offset = 0;
        for (Map.Entry<String, Entry> e : entries.entrySet()) {
            Entry t = e.getValue();
            JsonObject o = new JsonObject();
            o.addProperty("dtype", t.dtype().name());
            JsonArray shape = new JsonArray();
            for (long d : t.shape()) {
                shape.add(d);
            }
            o.add("shape", shape);
            JsonArray offsets = new JsonArray();
            offsets.add(offset);
            offsets.add(offset + t.data().length);
            o.add("data_offsets", offsets);
            header.add(e.getKey(), o);
            offset += t.data().length;
        }
        byte[] json = header.toString().getBytes(StandardCharsets.UTF_8);
        int padded = (json.length + 7) / 8 * 8;
        byte[] headerBytes = Arrays.copyOf(json, padded);
        Arrays.fill(headerBytes, json.length, padded, (byte) ' ');
        try (OutputStream out = Files.newOutputStream(file)) {
            out.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(padded).array());
            out.write(headerBytes);
            for (Entry t : entries.values()) {
                out.write(t.data());
            }
        }
    }

    private SafetensorsWriter add(String name, Dtype dtype, long[] shape, ByteBuffer data) {
        if (name.equals("__metadata__")) {
            throw new IllegalArgumentException("__metadata__ is reserved and cannot be a tensor name");
        }
        if (entries.containsKey(name)) {
            throw new IllegalArgumentException("tensor " + name + " was already added");
        }
        entries.put(name, new Entry(dtype, shape.clone(), data.array()));
        return this;
    }

    private static ByteBuffer buffer(String name, long[] shape, int length, Dtype dtype) {
        long count = elementCount(name, shape);
        if (count != length) {
            throw new IllegalArgumentException("tensor " + name + ": shape " + Arrays.toString(shape) + " has " + count
                    + " elements but " + length + " values were given");
        }
        return ByteBuffer.allocate(Math.multiplyExact(length, dtype.bytes())).order(ByteOrder.LITTLE_ENDIAN);
    }

    private static long elementCount(String name, long[] shape) {
        Objects.requireNonNull(name, "name");
        long count = 1;
        for (long d : shape) {
            if (d < 0) {
                throw new IllegalArgumentException("tensor " + name + ": negative dimension in "
                        + Arrays.toString(shape));
            }
            count = Math.multiplyExact(count, d);
        }
        return count;
    }
}
