package org.phi3vspark.model.image;

import org.phi3vspark.model.GoldenSet;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;

final class ImageTestSupport {
    static final Path GOLDEN = GoldenSet.root();
    static final Path PREPROCESS = GOLDEN.resolve("preprocess");
    static final Path IMAGES = GOLDEN.resolve("images");
    /** The repository's own images, for tests that name a specific file (the golden set may be swapped). */
    static final Path FIXTURE_IMAGES = GoldenSet.fixtures().resolve("images");

    private ImageTestSupport() {
    }

    /** Every preprocessing fixture JSON in the golden set (directory listing, sorted). */
    static List<Path> fixtureJsons() {
        try (Stream<Path> s = Files.list(PREPROCESS)) {
            return s.filter(p -> p.getFileName().toString().endsWith(".json")).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + PREPROCESS, e);
        }
    }

    static JsonObject readJson(Path file) {
        return GoldenSet.json(file);
    }

    static byte[] readBytes(Path file) {
        try {
            return Files.readAllBytes(file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }

    static int[] ints(JsonElement e) {
        return GoldenSet.ints(e);
    }

    static long[] longs(JsonElement e) {
        return GoldenSet.longs(e);
    }

    static String sha256(byte[] data) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The formula image of spec §8: R = 7x+3y, G = x²+5y, B = ((x/8) xor (y/8))·37, all mod 256. */
    static RgbImage synthetic(int width, int height) {
        byte[] rgb = new byte[width * height * 3];
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                int o = (y * width + x) * 3;
                rgb[o] = (byte) ((7 * x + 3 * y) & 0xff);
                rgb[o + 1] = (byte) ((x * x + 5 * y) & 0xff);
                rgb[o + 2] = (byte) ((((x / 8) ^ (y / 8)) * 37) & 0xff);
            }
        }
        return new RgbImage(width, height, rgb);
    }

    static long[] channelSums(RgbImage img) {
        long[] s = new long[3];
        byte[] rgb = img.rgb();
        for (int i = 0; i < rgb.length; i++) {
            s[i % 3] += rgb[i] & 0xff;
        }
        return s;
    }
}
