package org.phi3vspark.model.image;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

import java.io.IOException;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.phi3vspark.model.config.PreprocessorConfig;
import org.phi3vspark.model.io.SafetensorsFile;

/** Every preprocessing fixture of the golden set, checked against the original HF processor's outputs. */
class ImageProcessorGoldenTest {
    private static final int CROP_FLOATS = ProcessedImage.CROP_FLOATS;
    private static final ImageDecoder DECODER = new ImageDecoder(100_000_000L);
    private static final ImageProcessor PROCESSOR = new ImageProcessor(PreprocessorConfig.defaults());

    static List<Path> fixtures() {
        return ImageTestSupport.fixtureJsons();
    }

    @Test
    void goldenSetHasFixtures() {
        assertFalse(fixtures().isEmpty(), "no fixtures in " + ImageTestSupport.PREPROCESS);
    }

    /** Format of an input image from images.json (falls back to the file extension). */
    static boolean isJpegInput(String image) {
        Path meta = ImageTestSupport.IMAGES.resolve("images.json");
        if (Files.exists(meta)) {
            try {
                JsonArray all = JsonParser.parseString(Files.readString(meta)).getAsJsonArray();
                for (JsonElement e : all) {
                    JsonObject o = e.getAsJsonObject();
                    if (o.get("name").getAsString().equals(image)) {
                        return o.get("format").getAsString().toUpperCase(Locale.ROOT).startsWith("JPEG");
                    }
                }
            } catch (IOException ex) {
                throw new java.io.UncheckedIOException(ex);
            }
        }
        String lower = image.toLowerCase(Locale.ROOT);
        return lower.endsWith(".jpg") || lower.endsWith(".jpeg");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("fixtures")
    void fixtureMatchesReference(Path jsonFile) {
        JsonObject fx = ImageTestSupport.readJson(jsonFile);
        String name = jsonFile.getFileName().toString();
        String image = fx.get("image").getAsString();
        int numCrops = fx.get("num_crops").getAsInt();
        boolean jpeg = isJpegInput(image);

        RgbImage decoded = DECODER.decode(ImageTestSupport.readBytes(ImageTestSupport.IMAGES.resolve(image)), image);
        assertArrayEquals(ImageTestSupport.ints(fx.get("input_size_wh")),
                new int[] {decoded.width(), decoded.height()}, name + ": input size");
        String decodedSha = fx.get("decoded_rgb_sha256").getAsString();
        RgbImage input = decoded;
        if (jpeg) {
            // JPEG decoders may differ by a level or two; preprocessing is checked on the reference pixels.
            RgbImage reference = DECODER.decode(ImageTestSupport.readBytes(
                    ImageTestSupport.PREPROCESS.resolve(fx.get("decoded_rgb_png").getAsString())), "reference");
            assertEquals(decodedSha, ImageTestSupport.sha256(reference.rgb()), name + ": reference RGB png");
            assertTrue(ImageDecoderTest.maxAbsDiff(decoded, reference) <= 2, name + ": JPEG decode differs by "
                    + ImageDecoderTest.maxAbsDiff(decoded, reference) + " levels");
            input = reference;
        } else {
            assertEquals(decodedSha, ImageTestSupport.sha256(decoded.rgb()), name + ": decoded RGB");
        }

        ImageProcessor.HdPlan plan = ImageProcessor.plan(input.width(), input.height(), numCrops);
        assertEquals(fx.get("transposed").getAsBoolean(), plan.transposed(), name + ": transposed");
        assertEquals(fx.get("hd_scale").getAsInt(), plan.scale(), name + ": hd_scale");
        assertArrayEquals(ImageTestSupport.ints(fx.get("resize_to_wh_in_transposed_frame")),
                new int[] {plan.resizedW(), plan.resizedH()}, name + ": resize size");
        assertEquals(fx.get("pad_top_in_transposed_frame").getAsInt(), plan.padTop(), name + ": pad top");
        assertEquals(fx.get("pad_bottom_in_transposed_frame").getAsInt(), plan.padBottom(), name + ": pad bottom");

        RgbImage hd = PROCESSOR.hdTransform(input, numCrops);
        int[] sizeHw = ImageTestSupport.ints(fx.get("image_size_hw"));
        assertArrayEquals(sizeHw, new int[] {hd.height(), hd.width()}, name + ": HD size");
        assertArrayEquals(ImageTestSupport.longs(fx.get("hd_channel_sums")), ImageTestSupport.channelSums(hd),
                name + ": HD channel sums");
        assertEquals(fx.get("hd_rgb_sha256").getAsString(), ImageTestSupport.sha256(hd.rgb()), name + ": HD sha256");

        ProcessedImage out = PROCESSOR.process(input, numCrops);
        int[] cropsHw = ImageTestSupport.ints(fx.get("crops_hw"));
        assertArrayEquals(cropsHw, new int[] {out.cropsH(), out.cropsW()}, name + ": crop grid");
        assertArrayEquals(sizeHw, new int[] {out.paddedHeight(), out.paddedWidth()}, name + ": image_sizes");
        assertEquals(fx.get("num_img_tokens").getAsInt(), out.numImgTokens(), name + ": num_img_tokens");
        assertEquals(fx.get("num_real_crops_incl_global").getAsInt(), out.numRealCrops(), name + ": real crops");
        int[] shape = ImageTestSupport.ints(fx.get("pixel_values_shape"));
        float[] pv = out.pixelValues();
        assertEquals((long) shape[0] * shape[1] * shape[2] * shape[3], pv.length, name + ": pixel_values size");

        checkStats(name, fx, pv, shape[0]);
        checkTensors(name, fx, hd, pv);
    }

    private static void checkStats(String name, JsonObject fx, float[] pv, int numCropsTotal) {
        JsonArray stats = fx.getAsJsonArray("per_crop_stats");
        JsonArray channelSums = fx.getAsJsonArray("per_crop_channel_sums");
        assertEquals(numCropsTotal, stats.size(), name + ": per_crop_stats entries");
        int plane = CROP_FLOATS / 3;
        for (int c = 0; c < numCropsTotal; c++) {
            double sum = 0;
            double absSum = 0;
            double sumSq = 0;
            float min = Float.POSITIVE_INFINITY;
            float max = Float.NEGATIVE_INFINITY;
            double[] chSum = new double[3];
            for (int i = 0; i < CROP_FLOATS; i++) {
                float v = pv[c * CROP_FLOATS + i];
                sum += v;
                absSum += Math.abs(v);
                sumSq += (double) v * v;
                min = Math.min(min, v);
                max = Math.max(max, v);
                chSum[i / plane] += v;
            }
            JsonObject s = stats.get(c).getAsJsonObject();
            double elementTol = c == 0 ? 1e-5 : 1e-6;
            double refAbs = s.get("abs_sum").getAsDouble();
            // Relative 1e-6 on the magnitude (sum itself can cancel to near zero).
            double tol = 1e-6 * Math.max(refAbs, 1.0);
            String where = name + " crop " + c;
            assertEquals(refAbs, absSum, tol, where + ": abs_sum");
            assertEquals(s.get("sum").getAsDouble(), sum, tol, where + ": sum");
            assertEquals(s.get("sum_sq").getAsDouble(), sumSq, 1e-6 * Math.max(s.get("sum_sq").getAsDouble(), 1.0),
                    where + ": sum_sq");
            assertEquals(s.get("min").getAsDouble(), min, elementTol, where + ": min");
            assertEquals(s.get("max").getAsDouble(), max, elementTol, where + ": max");
            JsonArray ch = channelSums.get(c).getAsJsonArray();
            for (int k = 0; k < 3; k++) {
                assertEquals(ch.get(k).getAsDouble(), chSum[k], tol, where + ": channel " + k + " sum");
            }
        }
    }

    private static void checkTensors(String name, JsonObject fx, RgbImage hd, float[] pv) {
        Path file = ImageTestSupport.PREPROCESS.resolve(fx.get("tensors").getAsString());
        try (SafetensorsFile st = SafetensorsFile.open(file)) {
            int[] idx = st.readInts("sample_index");
            FloatBuffer values = st.readFloat32("sample_value");
            assertEquals(idx.length, values.limit() * 4, name + ": sample table");
            double worstGlobal = 0;
            double worstSub = 0;
            for (int i = 0; i < values.limit(); i++) {
                int crop = idx[i * 4];
                int ch = idx[i * 4 + 1];
                int y = idx[i * 4 + 2];
                int x = idx[i * 4 + 3];
                float mine = pv[crop * CROP_FLOATS + ch * 336 * 336 + y * 336 + x];
                double d = Math.abs(mine - values.get(i));
                if (crop == 0) {
                    worstGlobal = Math.max(worstGlobal, d);
                } else {
                    worstSub = Math.max(worstSub, d);
                }
            }
            assertTrue(worstGlobal <= 1e-5, name + ": global-view samples differ by " + worstGlobal);
            assertTrue(worstSub <= 1e-6, name + ": sub-crop samples differ by " + worstSub);

            int[] yx = st.readInts("hd_sample_yx");
            byte[] rgb = st.readBytes("hd_sample_rgb");
            for (int i = 0; i < yx.length / 2; i++) {
                for (int c = 0; c < 3; c++) {
                    assertEquals(rgb[i * 3 + c] & 0xff, hd.sample(yx[i * 2 + 1], yx[i * 2], c),
                            name + ": HD pixel (y=" + yx[i * 2] + ", x=" + yx[i * 2 + 1] + ") channel " + c);
                }
            }

            if (st.has("global_crop")) {
                FloatBuffer g = st.readFloat32("global_crop");
                assertEquals(CROP_FLOATS, g.limit(), name + ": global_crop size");
                double worst = 0;
                for (int i = 0; i < CROP_FLOATS; i++) {
                    worst = Math.max(worst, Math.abs(pv[i] - g.get(i)));
                }
                assertTrue(worst <= 1e-5, name + ": global_crop differs by " + worst);
            }
        }
        JsonElement hdPng = fx.get("hd_png");
        if (hdPng != null && !hdPng.isJsonNull()) {
            RgbImage ref = DECODER.decode(ImageTestSupport.readBytes(
                    ImageTestSupport.PREPROCESS.resolve(hdPng.getAsString())), hdPng.getAsString());
            assertEquals(ImageTestSupport.sha256(ref.rgb()), ImageTestSupport.sha256(hd.rgb()), name + ": hd.png");
        }
    }
}
