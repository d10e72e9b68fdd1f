package org.phi3vspark.model.image;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.phi3vspark.model.config.PreprocessorConfig;

/** The spec's synthetic-image vectors (phi3v-model.md §8 GV5) and size table (§4), plus invariants. */
class ImageProcessorSyntheticTest {
    private static final ImageProcessor PROCESSOR = new ImageProcessor(PreprocessorConfig.defaults());

    @ParameterizedTest(name = "{0}x{1} nc{2}")
    @CsvSource({
        "500, 889, 4, 377, 672, 359913ff3dd2dd7b01a216beb66d9d292a8c8bf1da1007d4850d7eb442332bdd, 672, 672, "
            + "d0d358c68aef8f045b667c75069eab748c209bc458d0368e5e97b05c47a3676c, 336586.065, 1.930336, 0.102769, 1.930336",
        "500, 889, 16, 944, 1680, 8360e8db2eafc79eeb038e6224db1361d2a390a48ac0682c65e37ec8440d09b8, 1008, 1680, "
            + "2143ea4d4230042173c559425a2ef884acdb632f9100bce6f02fdce87e8a59ab, 98203.600, 1.930336, -1.196810, -0.682782",
        "1280, 640, 4, 672, 336, 7bb54faabe259171b0309801859ad452482c7d49ba8cb8bf33200be2c934f4d6, 672, 336, "
            + "7bb54faabe259171b0309801859ad452482c7d49ba8cb8bf33200be2c934f4d6, 58673.709, -1.628943, 1.473635, -1.317814",
        "1280, 640, 16, 1680, 840, 9008ea9162a4bdb7bdfd5dda0c5f516a3ccb36418f67af31def970ef15519ea8, 1680, 1008, "
            + "97013fb862e648768fda549817f211f894e66125de299ead32bd8aa29fedf75d, 164896.812, 1.930336, -0.551476, -1.325113",
        "333, 333, 4, 672, 672, 3fbdfb3aba32d8e88d7ba5c87649274e19d527937d97b53ecd06bf835cee776c, 672, 672, "
            + "3fbdfb3aba32d8e88d7ba5c87649274e19d527937d97b53ecd06bf835cee776c, 46818.904, -1.775839, -1.120364, -0.704680",
        "333, 333, 16, 1344, 1344, f918c26576505c4fef59b85a986f9c6e872f4a7da4a6f3f9e12dea2de4242557, 1344, 1344, "
            + "f918c26576505c4fef59b85a986f9c6e872f4a7da4a6f3f9e12dea2de4242557, 46851.892, -1.789069, -1.075809, -0.706048",
    })
    void specVector(int w, int h, int numCrops, int resizedW, int resizedH, String resizedSha, int hdW, int hdH,
            String hdSha, double globalSum, float v0, float v1, float v2) {
        RgbImage src = ImageTestSupport.synthetic(w, h);
        ImageProcessor.HdPlan plan = ImageProcessor.plan(w, h, numCrops);
        // Resized image in the original orientation.
        RgbImage work = plan.transposed() ? src.transpose() : src;
        RgbImage resized = PillowBilinear.resize(work, plan.resizedW(), plan.resizedH());
        if (plan.transposed()) {
            resized = resized.transpose();
        }
        assertEquals(resizedW, resized.width(), "resized width");
        assertEquals(resizedH, resized.height(), "resized height");
        assertEquals(resizedSha, ImageTestSupport.sha256(resized.rgb()), "resized sha256");

        RgbImage hd = PROCESSOR.hdTransform(src, numCrops);
        assertEquals(hdW, hd.width(), "HD width");
        assertEquals(hdH, hd.height(), "HD height");
        assertEquals(hdSha, ImageTestSupport.sha256(hd.rgb()), "HD sha256");

        ProcessedImage p = PROCESSOR.process(src, numCrops);
        assertEquals(hdH, p.paddedHeight());
        assertEquals(hdW, p.paddedWidth());
        double sum = 0;
        for (int i = 0; i < ProcessedImage.CROP_FLOATS; i++) {
            sum += p.crops()[i];
        }
        // The spec prints sums to 3 decimals and values to 6.
        assertEquals(globalSum, sum, 2e-3, "global view sum");
        int plane = 336 * 336;
        assertEquals(v0, p.crops()[0], 1.5e-6, "global (c0, y0, x0)");
        assertEquals(v1, p.crops()[plane + 100 * 336 + 200], 1.5e-6, "global (c1, y100, x200)");
        assertEquals(v2, p.crops()[167 * 336 + 13], 1.5e-6, "global (c0, y167, x13)");
    }

    @Test
    void specSamplePixelsAndCropSums() {
        RgbImage r1 = resizedOriginalOrientation(ImageTestSupport.synthetic(500, 889), 4);
        assertArrayEquals(new int[] {3, 1, 0}, px(r1, 0, 0));
        assertArrayEquals(new int[] {226, 106, 74}, px(r1, 20, 10));
        RgbImage r2 = resizedOriginalOrientation(ImageTestSupport.synthetic(1280, 640), 4);
        assertArrayEquals(new int[] {7, 4, 0}, px(r2, 0, 0));
        assertArrayEquals(new int[] {73, 84, 195}, px(r2, 20, 10));
        RgbImage r3 = resizedOriginalOrientation(ImageTestSupport.synthetic(333, 333), 4);
        assertArrayEquals(new int[] {82, 118, 37}, px(r3, 20, 10));

        assertCropSums(PROCESSOR.process(ImageTestSupport.synthetic(500, 889), 4),
                332385.886, 337263.353, 341054.202, 335640.794);
        assertCropSums(PROCESSOR.process(ImageTestSupport.synthetic(1280, 640), 4), 54556.432, 62790.985);
    }

    private static RgbImage resizedOriginalOrientation(RgbImage src, int numCrops) {
        ImageProcessor.HdPlan plan = ImageProcessor.plan(src.width(), src.height(), numCrops);
        RgbImage work = plan.transposed() ? src.transpose() : src;
        RgbImage resized = PillowBilinear.resize(work, plan.resizedW(), plan.resizedH());
        return plan.transposed() ? resized.transpose() : resized;
    }

    private static int[] px(RgbImage img, int x, int y) {
        return new int[] {img.sample(x, y, 0), img.sample(x, y, 1), img.sample(x, y, 2)};
    }

    private static void assertCropSums(ProcessedImage p, double... expected) {
        assertEquals(expected.length, p.cropsH() * p.cropsW(), "sub-crop count");
        for (int c = 0; c < expected.length; c++) {
            double sum = 0;
            int base = (1 + c) * ProcessedImage.CROP_FLOATS;
            for (int i = 0; i < ProcessedImage.CROP_FLOATS; i++) {
                sum += p.crops()[base + i];
            }
            assertEquals(expected[c], sum, 2e-3, "sub-crop " + c + " sum");
        }
    }

    @ParameterizedTest(name = "{0}x{1} nc{2}")
    @CsvSource({
        "640, 480, 4, 672, 504, 672, 672, 2, 2, 757",
        "640, 480, 16, 1344, 1008, 1344, 1008, 3, 4, 1921",
        "480, 640, 16, 1008, 1344, 1008, 1344, 4, 3, 1933",
        "1280, 640, 4, 672, 336, 672, 336, 1, 2, 457",
        "1280, 640, 16, 1680, 840, 1680, 1008, 3, 5, 2353",
        "1920, 1080, 4, 672, 378, 672, 672, 2, 2, 757",
        "1920, 1080, 16, 1680, 945, 1680, 1008, 3, 5, 2353",
        "1080, 1920, 16, 945, 1680, 1008, 1680, 5, 3, 2377",
        "500, 889, 4, 377, 672, 672, 672, 2, 2, 757",
        "3000, 1000, 4, 1008, 336, 1008, 336, 1, 3, 601",
        "4000, 100, 4, 1344, 33, 1344, 336, 1, 4, 745",
        "777, 777, 4, 672, 672, 672, 672, 2, 2, 757",
        "777, 777, 16, 1344, 1344, 1344, 1344, 4, 4, 2509",
    })
    void specSizeTable(int w, int h, int numCrops, int resizedW, int resizedH, int paddedW, int paddedH,
            int cropsH, int cropsW, int tokens) {
        ImageProcessor.HdPlan plan = ImageProcessor.plan(w, h, numCrops);
        int rw = plan.transposed() ? plan.resizedH() : plan.resizedW();
        int rh = plan.transposed() ? plan.resizedW() : plan.resizedH();
        assertEquals(resizedW, rw, "resized width");
        assertEquals(resizedH, rh, "resized height");
        assertEquals(paddedW, plan.paddedWidth(), "padded width");
        assertEquals(paddedH, plan.paddedHeight(), "padded height");
        assertEquals(cropsH, plan.paddedHeight() / 336);
        assertEquals(cropsW, plan.paddedWidth() / 336);
        assertEquals(tokens, ImageProcessor.numImgTokens(cropsH, cropsW));
    }

    @Test
    void anyNumCropsAndPaddingCrops() {
        RgbImage src = ImageTestSupport.synthetic(300, 200);
        for (int nc = 1; nc <= 12; nc++) {
            ProcessedImage p = PROCESSOR.process(src, nc);
            assertEquals(nc, p.numCrops());
            assert p.cropsH() * p.cropsW() <= nc;
            float[] pv = p.pixelValues();
            assertEquals((nc + 1) * ProcessedImage.CROP_FLOATS, pv.length);
            for (int i = p.numRealCrops() * ProcessedImage.CROP_FLOATS; i < pv.length; i++) {
                assertEquals(0f, pv[i], "padding crops are zero (grey), not white");
            }
        }
        assertThrows(IllegalArgumentException.class, () -> PROCESSOR.process(src, 0));
    }

    @Test
    void whitePaddingNormalizesToSpecValues() {
        // 4000x100 at nc 4: 1344x33 resized, 151 white rows on top.
        ProcessedImage p = PROCESSOR.process(ImageTestSupport.synthetic(4000, 100), 4);
        int plane = 336 * 336;
        int base = ProcessedImage.CROP_FLOATS; // first sub-crop, row 0 is padding
        assertEquals(1.9303361f, p.crops()[base], 1e-7);
        assertEquals(2.0748837f, p.crops()[base + plane], 1e-7);
        assertEquals(2.1458969f, p.crops()[base + 2 * plane], 1e-7);
    }

    @Test
    void squareHdImageGlobalViewIsIdentity() {
        // When the HD image is 336x336 the bicubic resize must return the normalized crop unchanged.
        ProcessedImage p = PROCESSOR.process(ImageTestSupport.synthetic(200, 200), 1);
        assertEquals(1, p.cropsH() * p.cropsW());
        for (int i = 0; i < ProcessedImage.CROP_FLOATS; i++) {
            assertEquals(p.crops()[ProcessedImage.CROP_FLOATS + i], p.crops()[i]);
        }
    }

    @Test
    void portraitIsTransposedNotRotated() {
        RgbImage portrait = ImageTestSupport.synthetic(120, 640);
        RgbImage viaTranspose = PROCESSOR.hdTransform(portrait.transpose(), 9).transpose();
        assertArrayEquals(viaTranspose.rgb(), PROCESSOR.hdTransform(portrait, 9).rgb());
    }
}
