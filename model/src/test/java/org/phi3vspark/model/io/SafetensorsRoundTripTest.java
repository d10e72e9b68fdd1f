package org.phi3vspark.model.io;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SafetensorsRoundTripTest {

    private static float[] toArray(FloatBuffer b) {
        float[] out = new float[b.remaining()];
        b.duplicate().get(out);
        return out;
    }

    private static byte[] halves(int... bits) {
        ByteBuffer b = ByteBuffer.allocate(bits.length * 2).order(ByteOrder.LITTLE_ENDIAN);
        for (int h : bits) {
            b.putShort((short) h);
        }
        return b.array();
    }

    @Test
    void everyDtypeRoundTrips(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("all.safetensors");
        float[] f32 = {1.5f, -2.25f, 3e-30f, Float.MAX_VALUE, -0.0f, 7f};
        // 1+2^-8 is a tie (rounds to even 1.0), 1+3*2^-8 a tie that rounds up, pi an ordinary case.
        float[] bf16In = {1f + 0x1p-8f, 1f + 3 * 0x1p-8f, (float) Math.PI, -1e-3f};
        float[] bf16Want = {1f, 1f + 0x1p-6f, Float.intBitsToFloat(0x40490000), Float.intBitsToFloat(0xBA830000)};
        SafetensorsWriter.create()
                .metadata("format", "pt")
                .putFloat32("w.f32", new long[] {2, 3}, f32)
                .putBf16("w.bf16", new long[] {2, 2}, bf16In)
                .putLongs("ids", new long[] {3}, new long[] {-1, 0, 1L << 40})
                .putInts("grid", new long[] {2, 2}, new int[] {1, -2, 3, Integer.MIN_VALUE})
                .putRaw("pixels", Dtype.U8, new long[] {5}, new byte[] {0, 1, 127, (byte) 128, (byte) 255})
                .putRaw("half", Dtype.F16, new long[] {4}, halves(0x3C00, 0x0001, 0xFC00, 0x7BFF))
                .putFloat32("scalar", new long[] {}, new float[] {42f})
                .putFloat32("empty", new long[] {0, 4}, new float[0])
                .write(file);

        try (SafetensorsFile st = SafetensorsFile.open(file)) {
            assertEquals(Map.of("format", "pt"), st.metadata());
            assertEquals(List.of("w.f32", "w.bf16", "ids", "grid", "pixels", "half", "scalar", "empty"),
                    List.copyOf(st.tensors().keySet()));

            TensorInfo info = st.info("w.f32");
            assertEquals(Dtype.F32, info.dtype());
            assertArrayEquals(new long[] {2, 3}, info.shape());
            assertEquals(24, info.byteSize());
            assertEquals(file, info.file());
            // The writer pads the header so the data block starts 8-byte aligned.
            assertEquals(0, info.begin() % 8);

            FloatBuffer fb = st.readFloat32("w.f32");
            assertTrue(fb.isDirect());
            assertEquals(ByteOrder.nativeOrder(), fb.order());
            assertEquals(0, fb.position());
            assertArrayEquals(f32, toArray(fb));

            assertEquals(Dtype.BF16, st.info("w.bf16").dtype());
            assertArrayEquals(bf16Want, toArray(st.readFloat32("w.bf16")));
            assertArrayEquals(new long[] {-1, 0, 1L << 40}, st.readLongs("ids"));
            assertArrayEquals(new int[] {1, -2, 3, Integer.MIN_VALUE}, st.readInts("grid"));
            assertArrayEquals(new long[] {1, -2, 3, Integer.MIN_VALUE}, st.readLongs("grid"));
            assertArrayEquals(new byte[] {0, 1, 127, (byte) 128, (byte) 255}, st.readBytes("pixels"));
            assertArrayEquals(new int[] {0, 1, 127, 128, 255}, st.readInts("pixels"));
            assertArrayEquals(new float[] {1f, 0x1p-24f, Float.NEGATIVE_INFINITY, 65504f},
                    toArray(st.readFloat32("half")));
            assertArrayEquals(new float[] {42f}, toArray(st.readFloat32("scalar")));
            assertEquals(0, st.info("scalar").rank());
            assertEquals(0, st.readFloat32("empty").remaining());
        }
    }

    @Test
    void wrongDtypeForTheAccessorIsAClearError(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("types.safetensors");
        SafetensorsWriter.create()
                .putLongs("ids", new long[] {2}, new long[] {1, 2})
                .putFloat32("w", new long[] {1}, new float[] {1})
                .write(file);
        try (SafetensorsFile st = SafetensorsFile.open(file)) {
            CheckpointException e = assertThrows(CheckpointException.class, () -> st.readFloat32("ids"));
            assertTrue(e.getMessage().contains("ids") && e.getMessage().contains(file.toString()), e.getMessage());
            e = assertThrows(CheckpointException.class, () -> st.readInts("ids"));
            assertTrue(e.getMessage().contains("ids") && e.getMessage().contains("I64"), e.getMessage());
            e = assertThrows(CheckpointException.class, () -> st.readLongs("w"));
            assertTrue(e.getMessage().contains("w") && e.getMessage().contains("F32"), e.getMessage());
            e = assertThrows(CheckpointException.class, () -> st.readFloat32("nope"));
            assertTrue(e.getMessage().contains("nope") && e.getMessage().contains(file.toString()), e.getMessage());
        }
    }

    @Test
    void writerRejectsInconsistentInput() {
        SafetensorsWriter w = SafetensorsWriter.create().putFloat32("a", new long[] {2}, new float[2]);
        assertThrows(IllegalArgumentException.class, () -> w.putFloat32("a", new long[] {1}, new float[1]));
        assertThrows(IllegalArgumentException.class, () -> w.putFloat32("b", new long[] {2, 2}, new float[3]));
        assertThrows(IllegalArgumentException.class, () -> w.putRaw("c", Dtype.F16, new long[] {2}, new byte[3]));
        assertThrows(IllegalArgumentException.class, () -> w.putInts("__metadata__", new long[] {1}, new int[1]));
    }

    /** A tensor placed beyond 4 GiB in a sparse file: offsets are longs and only its range is mapped. */
    @Test
    void tensorsFarIntoAMultiGigabyteFileAreRead(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("big.safetensors");
        long far = 5L << 30;
        String header = "{\"__metadata__\":{\"format\":\"pt\"},"
                + "\"far\":{\"dtype\":\"BF16\",\"shape\":[2],\"data_offsets\":[" + far + "," + (far + 4) + "]}}";
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            raf.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(h.length).array());
            raf.write(h);
            raf.seek(8 + h.length + far);
            raf.write(halves(0x3F80, 0xC0A0)); // 1.0, -5.0
        }
        try (SafetensorsFile st = SafetensorsFile.open(file)) {
            assertArrayEquals(new float[] {1f, -5f}, toArray(st.readFloat32("far")));
        }
    }

    @Test
    void aTensorOver2GiBIsAClearErrorNotACrash(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("huge.safetensors");
        long bytes = (1L << 31) + 8;
        String header = "{\"huge\":{\"dtype\":\"U8\",\"shape\":[" + bytes + "],\"data_offsets\":[0," + bytes + "]},"
                + "\"wide\":{\"dtype\":\"BF16\",\"shape\":[" + (bytes / 2) + "],\"data_offsets\":[0," + bytes + "]}}";
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            raf.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(h.length).array());
            raf.write(h);
            raf.setLength(8 + h.length + bytes); // sparse: takes no disk space
        }
        try (SafetensorsFile st = SafetensorsFile.open(file)) {
            CheckpointException e = assertThrows(CheckpointException.class, () -> st.readBytes("huge"));
            assertTrue(e.getMessage().contains("huge") && e.getMessage().contains("2 GiB"), e.getMessage());
            e = assertThrows(CheckpointException.class, () -> st.readFloat32("wide"));
            assertTrue(e.getMessage().contains("wide") && e.getMessage().contains("2 GiB"), e.getMessage());
        }
    }

    @Test
    void readingAfterCloseFails(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("c.safetensors");
        SafetensorsWriter.create().putFloat32("a", new long[] {1}, new float[] {1}).write(file);
        SafetensorsFile st = SafetensorsFile.open(file);
        st.close();
        assertThrows(IllegalStateException.class, () -> st.readFloat32("a"));
        assertTrue(Files.exists(file));
    }
}
