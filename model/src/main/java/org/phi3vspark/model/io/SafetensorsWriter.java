package org.phi3vspark.model.io;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * Writes a safetensors file (test fixtures, small exports, random checkpoints of any size). Tensors are
 * written in the order they were added; the header is padded with spaces to a multiple of 8 bytes like
 * the reference writer, so the data block stays aligned. Tensors given as bytes are held in memory;
 * {@link #putFloat32Generated generated} ones are produced chunk by chunk while the file is written, so a
 * multi-gigabyte checkpoint never needs more than one chunk of heap.
 */
public final class SafetensorsWriter {
    /** Produces float32 values of one tensor on demand: fills {@code out} with elements from {@code offset} on. */
    @FunctionalInterface
    public interface FloatFiller {
        void fill(long offset, FloatBuffer out);
    }

    private static final int WRITE_CHUNK_FLOATS = 1 << 20;

    private record Entry(Dtype dtype, long[] shape, long byteSize, byte[] data, FloatFiller filler) {
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

    /** A float32 tensor whose values {@code filler} produces while the file is written. */
    public SafetensorsWriter putFloat32Generated(String name, long[] shape, FloatFiller filler) {
        long bytes = Math.multiplyExact(elementCount(name, shape), Dtype.F32.bytes());
        return add(name, new Entry(Dtype.F32, shape.clone(), bytes, null, Objects.requireNonNull(filler, "filler")));
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
            offsets.add(offset + t.byteSize());
            o.add("data_offsets", offsets);
            header.add(e.getKey(), o);
            offset += t.byteSize();
        }
        byte[] json = header.toString().getBytes(StandardCharsets.UTF_8);
        int padded = (json.length + 7) / 8 * 8;
        byte[] headerBytes = Arrays.copyOf(json, padded);
        Arrays.fill(headerBytes, json.length, padded, (byte) ' ');
        try (FileChannel out = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            writeFully(out, ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(padded).flip());
            writeFully(out, ByteBuffer.wrap(headerBytes));
            ByteBuffer chunk = null;
            for (Map.Entry<String, Entry> e : entries.entrySet()) {
                Entry t = e.getValue();
                if (t.data() != null) {
                    writeFully(out, ByteBuffer.wrap(t.data()));
                    continue;
                }
                if (chunk == null) {
                    chunk = ByteBuffer.allocate(WRITE_CHUNK_FLOATS * 4).order(ByteOrder.LITTLE_ENDIAN);
                }
                long elements = t.byteSize() / 4;
                for (long done = 0; done < elements; ) {
                    int n = (int) Math.min(WRITE_CHUNK_FLOATS, elements - done);
                    FloatBuffer floats = chunk.clear().asFloatBuffer().limit(n);
                    t.filler().fill(done, floats);
                    if (floats.position() != n) {
                        throw new IllegalStateException("filler of tensor " + e.getKey() + " wrote " + floats.position() + " of " + n
                                + " values");
                    }
                    writeFully(out, chunk.limit(n * 4));
                    done += n;
                }
            }
        }
    }

    private static void writeFully(FileChannel out, ByteBuffer data) throws IOException {
        while (data.hasRemaining()) {
            out.write(data);
        }
    }

    private SafetensorsWriter add(String name, Dtype dtype, long[] shape, ByteBuffer data) {
        byte[] bytes = data.array();
        return add(name, new Entry(dtype, shape.clone(), bytes.length, bytes, null));
    }

    private SafetensorsWriter add(String name, Entry entry) {
        if (name.equals("__metadata__")) {
            throw new IllegalArgumentException("__metadata__ is reserved and cannot be a tensor name");
        }
        if (entries.containsKey(name)) {
            throw new IllegalArgumentException("tensor " + name + " was already added");
        }
        entries.put(name, entry);
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
