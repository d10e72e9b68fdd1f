package org.phi3vspark.model.io;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every way a header can be broken ends in a CheckpointException that names the file (and tensor). */
class SafetensorsMalformedTest {

    @TempDir
    Path dir;

    private static byte[] lengthField(long n) {
        return ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(n).array();
    }

    private Path write(String name, byte[]... parts) throws IOException {
        Path file = dir.resolve(name);
        try (var out = Files.newOutputStream(file)) {
            for (byte[] p : parts) {
                out.write(p);
            }
        }
        return file;
    }

    /** A file whose header is {@code json} followed by {@code dataBytes} zero bytes. */
    private Path withHeader(String name, String json, int dataBytes) throws IOException {
        byte[] h = json.getBytes(StandardCharsets.UTF_8);
        return write(name, lengthField(h.length), h, new byte[dataBytes]);
    }

    private static void assertRejected(Path file, String... mustMention) {
        CheckpointException e = assertThrows(CheckpointException.class, () -> SafetensorsFile.open(file).close());
        String m = e.getMessage();
        assertTrue(m.contains(file.getFileName().toString()), () -> "message lacks the file name: " + m);
        for (String s : mustMention) {
            assertTrue(m.contains(s), () -> "message lacks '" + s + "': " + m);
        }
    }

    @Test
    void emptyAndTooShortFiles() throws IOException {
        assertRejected(write("empty.safetensors"), "8");
        assertRejected(write("short.safetensors", new byte[] {1, 2, 3, 4, 5}), "8");
    }

    @Test
    void missingFile() {
        assertRejected(dir.resolve("absent.safetensors"), "does not exist");
    }

    @Test
    void headerLengthBeyondTheFile() throws IOException {
        assertRejected(write("beyond.safetensors", lengthField(1000), "{}".getBytes(StandardCharsets.UTF_8)),
                "1000");
    }

    @Test
    void absurdHeaderLengths() throws IOException {
        assertRejected(write("huge.safetensors", lengthField(Long.MAX_VALUE), new byte[16]));
        assertRejected(write("negative.safetensors", lengthField(-1), new byte[16]));
        assertRejected(write("overlimit.safetensors", lengthField(200_000_000L), new byte[16]));
    }

    static Stream<Arguments> brokenHeaders() {
        return Stream.of(
                Arguments.of("not-json", "{not json", null),
                Arguments.of("truncated-json", "{\"a\":{\"dtype\":\"F32\"", null),
                Arguments.of("array", "[1, 2]", null),
                Arguments.of("trailing", "{} {}", null),
                Arguments.of("empty-header", "", null),
                Arguments.of("deep", "[".repeat(100_000), null),
                Arguments.of("entry-not-object", "{\"t.weight\": 5}", "t.weight"),
                Arguments.of("no-dtype", "{\"t.weight\":{\"shape\":[1],\"data_offsets\":[0,4]}}", "t.weight"),
                Arguments.of("no-shape", "{\"t.weight\":{\"dtype\":\"F32\",\"data_offsets\":[0,4]}}", "t.weight"),
                Arguments.of("no-offsets", "{\"t.weight\":{\"dtype\":\"F32\",\"shape\":[1]}}", "t.weight"),
                Arguments.of("unknown-dtype",
                        "{\"t.weight\":{\"dtype\":\"F8_E9\",\"shape\":[1],\"data_offsets\":[0,1]}}",
                        "F8_E9"),
                Arguments.of("offsets-past-end",
                        "{\"t.weight\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]}}", "t.weight"),
                Arguments.of("end-before-begin",
                        "{\"t.weight\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[8,4]}}", "t.weight"),
                Arguments.of("size-mismatch",
                        "{\"t.weight\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}", "t.weight"),
                Arguments.of("three-offsets",
                        "{\"t.weight\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4,8]}}", "t.weight"),
                Arguments.of("negative-dim",
                        "{\"t.weight\":{\"dtype\":\"F32\",\"shape\":[-1],\"data_offsets\":[0,4]}}", "t.weight"),
                Arguments.of("string-dim",
                        "{\"t.weight\":{\"dtype\":\"F32\",\"shape\":[\"2\"],\"data_offsets\":[0,8]}}", "t.weight"),
                Arguments.of("overflowing-shape", "{\"t.weight\":{\"dtype\":\"F32\",\"shape\":[4294967296,4294967296],"
                        + "\"data_offsets\":[0,8]}}", "t.weight"),
                Arguments.of("metadata-not-string", "{\"__metadata__\":{\"format\":1}}", "__metadata__"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("brokenHeaders")
    void brokenHeaderIsRejected(String caseName, String header, String tensor) throws IOException {
        Path file = withHeader(caseName + ".safetensors", header, 8);
        if (tensor == null) {
            assertRejected(file);
        } else {
            assertRejected(file, tensor);
        }
    }

    @Test
    void headerThatIsNotUtf8() throws IOException {
        byte[] h = {'{', '"', (byte) 0xC3, (byte) 0x28, '"', ':', '1', '}'};
        assertRejected(write("latin.safetensors", lengthField(h.length), h));
    }

    @Test
    void truncatedDataBlockNamesTheTensor() throws IOException {
        Path good = dir.resolve("good.safetensors");
        SafetensorsWriter.create().putFloat32("a", new long[] {2}, new float[] {1, 2})
                .putFloat32("b.weight", new long[] {4}, new float[] {1, 2, 3, 4}).write(good);
        byte[] all = Files.readAllBytes(good);
        Path cut = write("cut.safetensors", java.util.Arrays.copyOf(all, all.length - 3));
        assertRejected(cut, "b.weight");
    }
}
