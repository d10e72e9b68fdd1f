package org.phi3vspark.model.io;

import com.google.gson.Gson;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;
import com.google.gson.Strictness;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;

import java.io.IOException;
import java.io.StringReader;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.ShortBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Reader for one safetensors file.
 *
 * <p>Only the header is read on open; each tensor is memory-mapped on its own when read, so shards of
 * many GB work (DJL's {@code NDList.decode} reads the whole data block into one {@code byte[]}).
 * Float tensors are returned as float32, converting F16/BF16/F64 on the way. Thread-safe for reads.
 */
public final class SafetensorsFile implements AutoCloseable {
    /** Same bound as the reference implementation; a larger header means a corrupt length field. */
    static final long MAX_HEADER_BYTES = 100_000_000L;

    private static final String METADATA_KEY = "__metadata__";
    private static final int CONVERT_CHUNK = 1 << 16;

    private final Path path;
    private final FileChannel channel;
    private final Map<String, TensorInfo> tensors;
    private final Map<String, String> metadata;

    private SafetensorsFile(Path path, FileChannel channel, Map<String, TensorInfo> tensors,
            Map<String, String> metadata) {
        this.path = path;
        this.channel = channel;
        this.tensors = tensors;
        this.metadata = metadata;
    }

    /** Opens and validates the header of {@code file}; throws {@link CheckpointException} naming the file. */
    public static SafetensorsFile open(Path file) {
        FileChannel channel;
        try {
            channel = FileChannel.open(file, StandardOpenOption.READ);
        } catch (NoSuchFileException e) {
            throw new CheckpointException("safetensors file " + file + " does not exist", e);
        } catch (IOException e) {
            throw new CheckpointException("cannot open safetensors file " + file + ": " + e, e);
        }
        try {
            long fileSize = channel.size();
            if (fileSize < 8) {
                throw new CheckpointException("safetensors file " + file + " is " + fileSize
                        + " bytes long, shorter than the 8-byte header length field");
            }
            ByteBuffer lengthField = readFully(channel, 0, 8, file).order(ByteOrder.LITTLE_ENDIAN);
            long headerLength = lengthField.getLong(0);
            if (headerLength < 0 || headerLength > MAX_HEADER_BYTES) {
                throw new CheckpointException("safetensors file " + file + " declares a header of "
                        + Long.toUnsignedString(headerLength) + " bytes (at most " + MAX_HEADER_BYTES
                        + " allowed); the file is corrupt or not safetensors");
            }
            if (headerLength > fileSize - 8) {
                throw new CheckpointException("safetensors file " + file + " declares a header of " + headerLength
                        + " bytes but only " + (fileSize - 8) + " bytes follow the length field (truncated file?)");
            }
            ByteBuffer headerBytes = readFully(channel, 8, (int) headerLength, file);
            String headerText = decodeUtf8(headerBytes, file);
            JsonObject header = parseHeader(headerText, file);
            long dataStart = 8 + headerLength;
            Map<String, TensorInfo> tensors = new LinkedHashMap<>();
            Map<String, String> metadata = new LinkedHashMap<>();
            for (Map.Entry<String, JsonElement> e : header.entrySet()) {
                if (e.getKey().equals(METADATA_KEY)) {
                    parseMetadata(e.getValue(), file, metadata);
                } else {
                    tensors.put(e.getKey(), parseEntry(e.getKey(), e.getValue(), file, dataStart, fileSize));
                }
            }
            return new SafetensorsFile(file, channel, Collections.unmodifiableMap(tensors),
                    Collections.unmodifiableMap(metadata));
        } catch (IOException e) {
            closeQuietly(channel);
            throw new CheckpointException("cannot read safetensors file " + file + ": " + e, e);
        } catch (RuntimeException | Error e) {
            closeQuietly(channel);
            throw e;
        }
    }

    public Path path() {
        return path;
    }

    /** Tensor entries in header order. */
    public Map<String, TensorInfo> tensors() {
        return tensors;
    }

    /** The {@code __metadata__} block (empty when absent). */
    public Map<String, String> metadata() {
        return metadata;
    }

    public boolean has(String name) {
        return tensors.containsKey(name);
    }

    public TensorInfo info(String name) {
        TensorInfo t = tensors.get(name);
        if (t == null) {
            throw new CheckpointException("safetensors file " + path + " has no tensor " + name);
        }
        return t;
    }

    /**
     * The tensor as float32 in a direct, native-order buffer (position 0, limit = element count).
     * F32, F16, BF16 and F64 are accepted; 16-bit formats are widened exactly, F64 is rounded.
     */
    public FloatBuffer readFloat32(String name) {
        TensorInfo t = floatInfo(name);
        long count = t.numElements();
        if (count * 4 > Integer.MAX_VALUE) {
            throw new CheckpointException("tensor " + name + " in file " + path + " has " + count
                    + " elements; as float32 that exceeds the 2 GiB limit of one buffer");
        }
        ByteBuffer dst = ByteBuffer.allocateDirect((int) count * 4).order(ByteOrder.nativeOrder());
        readFloat32(name, 0, dst);
        return dst.flip().asFloatBuffer();
    }

    /**
     * Elements [first, first + n) of a float tensor as float32 into {@code dst}, n = dst.remaining() / 4,
     * written at dst's position in dst's byte order (position advances by 4n). Read with positional reads
     * rather than a memory map, so the file's pages never count towards this process's resident memory:
     * loading a large checkpoint in chunks needs no more memory than one chunk.
     */
    public void readFloat32(String name, long first, ByteBuffer dst) {
        TensorInfo t = floatInfo(name);
        if (dst.remaining() % 4 != 0) {
            throw new IllegalArgumentException("destination has " + dst.remaining() + " bytes, not whole floats");
        }
        int n = dst.remaining() / 4;
        if (first < 0 || first + n > t.numElements()) {
            throw new IllegalArgumentException("elements [" + first + ", " + (first + n) + ") are outside tensor "
                    + name + " of " + t.numElements() + " elements");
        }
        int width = t.dtype().bytes();
        long position = t.begin() + first * width;
        if (t.dtype() == Dtype.F32 && dst.order() == ByteOrder.LITTLE_ENDIAN) {
            readFully(dst, position, t);
            return;
        }
        ByteBuffer raw = ByteBuffer.allocate(Math.min(n, CONVERT_CHUNK) * width).order(ByteOrder.LITTLE_ENDIAN);
        for (int done = 0; done < n; ) {
            int len = Math.min(CONVERT_CHUNK, n - done);
            raw.clear().limit(len * width);
            readFully(raw, position + (long) done * width, t);
            raw.flip();
            for (int i = 0; i < len; i++) {
                dst.putFloat(switch (t.dtype()) {
                    case F32 -> raw.getFloat();
                    case F64 -> (float) raw.getDouble();
                    case BF16 -> FloatFormats.bf16ToFloat(raw.getShort());
                    case F16 -> FloatFormats.halfToFloat(raw.getShort());
                    default -> throw new AssertionError(t.dtype());
                });
            }
            done += len;
        }
    }

    private TensorInfo floatInfo(String name) {
        TensorInfo t = info(name);
        if (!t.dtype().isFloatingPoint()) {
            throw new CheckpointException("tensor " + name + " in file " + path + " has dtype " + t.dtype()
                    + ", expected a floating-point dtype (F32, F16, BF16, F64)");
        }
        return t;
    }

    private void readFully(ByteBuffer dst, long position, TensorInfo t) {
        if (!channel.isOpen()) {
            throw new IllegalStateException("safetensors file " + path + " is closed");
        }
        try {
            while (dst.hasRemaining()) {
                int read = channel.read(dst, position);
                if (read < 0) {
                    throw new CheckpointException("safetensors file " + path + " ends inside tensor " + t.name());
                }
                position += read;
            }
        } catch (IOException e) {
            throw new CheckpointException("cannot read tensor " + t.name() + " in file " + path + ": " + e, e);
        }
    }

    /** An integer tensor widened to long (I64, I32, I16, I8, U8 unsigned, BOOL as 0/1). */
    public long[] readLongs(String name) {
        TensorInfo t = info(name);
        ByteBuffer src = map(t);
        int n = (int) t.numElements();
        long[] out = new long[n];
        switch (t.dtype()) {
            case I64 -> src.asLongBuffer().get(out);
            case I32 -> {
                var b = src.asIntBuffer();
                for (int i = 0; i < n; i++) {
                    out[i] = b.get(i);
                }
            }
            default -> {
                int[] narrow = readSmallInts(t, src, "an integer dtype (I64, I32, I16, I8, U8, BOOL)");
                for (int i = 0; i < n; i++) {
                    out[i] = narrow[i];
                }
            }
        }
        return out;
    }

    /** An integer tensor of at most 32 bits as int (I32, I16, I8, U8 unsigned, BOOL as 0/1). */
    public int[] readInts(String name) {
        TensorInfo t = info(name);
        ByteBuffer src = map(t);
        if (t.dtype() == Dtype.I32) {
            int[] out = new int[(int) t.numElements()];
            src.asIntBuffer().get(out);
            return out;
        }
        return readSmallInts(t, src, "an integer dtype of at most 32 bits (I32, I16, I8, U8, BOOL)");
    }

    /** The tensor's raw little-endian bytes (for U8 the values themselves). */
    public byte[] readBytes(String name) {
        TensorInfo t = info(name);
        ByteBuffer src = map(t);
        byte[] out = new byte[src.remaining()];
        src.get(out);
        return out;
    }

    @Override
    public void close() {
        closeQuietly(channel);
    }

    @Override
    public String toString() {
        return "SafetensorsFile[" + path + ", " + tensors.size() + " tensors]";
    }

    private int[] readSmallInts(TensorInfo t, ByteBuffer src, String expected) {
        int n = (int) t.numElements();
        int[] out = new int[n];
        switch (t.dtype()) {
            case I16 -> {
                ShortBuffer b = src.asShortBuffer();
                for (int i = 0; i < n; i++) {
                    out[i] = b.get(i);
                }
            }
            case I8 -> {
                for (int i = 0; i < n; i++) {
                    out[i] = src.get(i);
                }
            }
            case U8, BOOL -> {
                for (int i = 0; i < n; i++) {
                    out[i] = src.get(i) & 0xff;
                }
            }
            default -> throw new CheckpointException("tensor " + t.name() + " in file " + path + " has dtype "
                    + t.dtype() + ", expected " + expected);
        }
        return out;
    }

    /** Maps exactly this tensor's bytes, little-endian. */
    private ByteBuffer map(TensorInfo t) {
        if (!channel.isOpen()) {
            throw new IllegalStateException("safetensors file " + path + " is closed");
        }
        long size = t.byteSize();
        if (size > Integer.MAX_VALUE) {
            throw new CheckpointException("tensor " + t.name() + " in file " + path + " is " + size
                    + " bytes; tensors larger than 2 GiB are not supported");
        }
        try {
            return channel.map(FileChannel.MapMode.READ_ONLY, t.begin(), size).order(ByteOrder.LITTLE_ENDIAN);
        } catch (IOException e) {
            throw new CheckpointException("cannot map tensor " + t.name() + " in file " + path + ": " + e, e);
        }
    }

    private static ByteBuffer readFully(FileChannel channel, long position, int length, Path file)
            throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(length);
        while (buf.hasRemaining()) {
            int r = channel.read(buf, position + buf.position());
            if (r < 0) {
                throw new CheckpointException("safetensors file " + file + " ended early while reading "
                        + length + " bytes at offset " + position);
            }
        }
        buf.flip();
        return buf;
    }

    private static String decodeUtf8(ByteBuffer bytes, Path file) {
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(bytes).toString();
        } catch (CharacterCodingException e) {
            throw new CheckpointException("safetensors file " + file + ": header is not valid UTF-8 JSON", e);
        }
    }

    private static JsonObject parseHeader(String text, Path file) {
        JsonElement root;
        try (JsonReader reader = new JsonReader(new StringReader(text))) {
            reader.setStrictness(Strictness.STRICT);
            root = new Gson().getAdapter(JsonElement.class).read(reader);
            if (reader.peek() != JsonToken.END_DOCUMENT) {
                throw new CheckpointException("safetensors file " + file + ": header has data after the JSON object");
            }
        } catch (IOException | RuntimeException | StackOverflowError e) {
            if (e instanceof CheckpointException ce) {
                throw ce;
            }
            throw new CheckpointException("safetensors file " + file + ": header is not valid JSON: "
                    + JsonFiles.describe(e), e);
        }
        if (root == null || !root.isJsonObject()) {
            throw new CheckpointException("safetensors file " + file + ": header is not a JSON object");
        }
        return root.getAsJsonObject();
    }

    private static void parseMetadata(JsonElement value, Path file, Map<String, String> out) {
        if (!value.isJsonObject()) {
            throw new CheckpointException("safetensors file " + file + ": " + METADATA_KEY + " is not a JSON object");
        }
        for (Map.Entry<String, JsonElement> m : value.getAsJsonObject().entrySet()) {
            JsonElement v = m.getValue();
            if (!v.isJsonPrimitive() || !v.getAsJsonPrimitive().isString()) {
                throw new CheckpointException("safetensors file " + file + ": " + METADATA_KEY + " value for key "
                        + m.getKey() + " is not a string");
            }
            out.put(m.getKey(), v.getAsString());
        }
    }

    private static TensorInfo parseEntry(String name, JsonElement value, Path file, long dataStart, long fileSize) {
        String where = "tensor " + name + " in file " + file;
        if (!value.isJsonObject()) {
            throw new CheckpointException(where + ": header entry is not a JSON object");
        }
        JsonObject o = value.getAsJsonObject();
        JsonElement dtypeJson = o.get("dtype");
        if (dtypeJson == null || !dtypeJson.isJsonPrimitive() || !dtypeJson.getAsJsonPrimitive().isString()) {
            throw new CheckpointException(where + ": header entry has no dtype string");
        }
        Dtype dtype = Dtype.fromHeaderName(dtypeJson.getAsString());
        if (dtype == null) {
            throw new CheckpointException(where + ": unknown dtype " + dtypeJson.getAsString() + " (known: "
                    + java.util.Arrays.toString(Dtype.values()) + ")");
        }
        long[] shape = longArray(o.get("shape"), "shape", where);
        long[] offsets = longArray(o.get("data_offsets"), "data_offsets", where);
        if (offsets.length != 2) {
            throw new CheckpointException(where + ": data_offsets must have 2 entries, has " + offsets.length);
        }
        long begin = offsets[0];
        long end = offsets[1];
        long dataSize = fileSize - dataStart;
        if (end < begin) {
            throw new CheckpointException(where + ": data_offsets end " + end + " is before begin " + begin);
        }
        if (end > dataSize) {
            throw new CheckpointException(where + ": data_offsets [" + begin + ", " + end
                    + "] go past the end of the data block (" + dataSize + " bytes; truncated file?)");
        }
        long expectedBytes;
        try {
            long count = 1;
            for (long d : shape) {
                count = Math.multiplyExact(count, d);
            }
            expectedBytes = Math.multiplyExact(count, (long) dtype.bytes());
        } catch (ArithmeticException e) {
            throw new CheckpointException(where + ": shape " + java.util.Arrays.toString(shape) + " is too large");
        }
        if (end - begin != expectedBytes) {
            throw new CheckpointException(where + ": data_offsets [" + begin + ", " + end + "] span " + (end - begin)
                    + " bytes but shape " + java.util.Arrays.toString(shape) + " of " + dtype + " needs "
                    + expectedBytes);
        }
        return new TensorInfo(name, dtype, shape, dataStart + begin, dataStart + end, file);
    }

    private static long[] longArray(JsonElement value, String key, String where) {
        if (value == null) {
            throw new CheckpointException(where + ": header entry has no " + key);
        }
        if (!value.isJsonArray()) {
            throw new CheckpointException(where + ": " + key + " is not a JSON array");
        }
        JsonArray a = value.getAsJsonArray();
        long[] out = new long[a.size()];
        for (int i = 0; i < out.length; i++) {
            JsonElement v = a.get(i);
            long x = -1;
            if (v.isJsonPrimitive() && v.getAsJsonPrimitive().isNumber()) {
                try {
                    x = Long.parseLong(((JsonPrimitive) v).getAsString());
                } catch (NumberFormatException e) {
                    x = -1;
                }
            }
            if (x < 0) {
                throw new CheckpointException(where + ": " + key + " entry " + v + " is not a non-negative integer");
            }
            out[i] = x;
        }
        return out;
    }

    private static void closeQuietly(FileChannel channel) {
        try {
            channel.close();
        } catch (IOException ignored) {
            // Nothing useful to do: the file was only read.
        }
    }
}
