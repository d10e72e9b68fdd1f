package org.phi3vspark.jobs;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.CRC32;

/** Bad and good image files made by the tests. */
final class TestImages {

    static final Path GOLDEN = Path.of(System.getProperty("phi3v.fixtures.dir", "../testdata/golden"));

    private TestImages() {
    }

    /** The smallest images of the golden set listed in its folder (any PNG under 64 KB). */
    static java.util.List<Path> smallGoldenImages(int n) throws IOException {
        try (var files = Files.list(GOLDEN.resolve("images"))) {
            return files.filter(p -> p.toString().endsWith(".png"))
                    .filter(p -> p.toFile().length() < 64 * 1024)
                    .sorted().limit(n).toList();
        }
    }

    /** A PNG whose header claims width x height; no pixel data (the decoder must refuse it from the header). */
    static byte[] pngHeaderOnly(int width, int height) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'});
        ByteArrayOutputStream ihdr = new ByteArrayOutputStream();
        DataOutputStream d = new DataOutputStream(ihdr);
        d.writeInt(width);
        d.writeInt(height);
        d.writeByte(8);
        d.writeByte(2);
        d.writeByte(0);
        d.writeByte(0);
        d.writeByte(0);
        chunk(out, "IHDR", ihdr.toByteArray());
        chunk(out, "IEND", new byte[0]);
        return out.toByteArray();
    }

    private static void chunk(ByteArrayOutputStream out, String type, byte[] data) throws IOException {
        DataOutputStream d = new DataOutputStream(out);
        d.writeInt(data.length);
        byte[] t = type.getBytes(StandardCharsets.US_ASCII);
        d.write(t);
        d.write(data);
        CRC32 crc = new CRC32();
        crc.update(t);
        crc.update(data);
        d.writeInt((int) crc.getValue());
    }

    /** The first bytes of a real PNG: a truncated file. */
    static byte[] truncated(Path png) throws IOException {
        byte[] all = Files.readAllBytes(png);
        return java.util.Arrays.copyOf(all, Math.min(all.length, 100));
    }

    /** A little-endian TIFF header: a real image format the decoder does not read. */
    static byte[] tiffHeader() {
        return new byte[] {'I', 'I', 42, 0, 8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
    }
}
