package org.phi3vspark.model.image;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.Transparency;
import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ComponentColorModel;
import java.awt.image.DataBuffer;
import java.awt.image.IndexColorModel;
import java.awt.image.WritableRaster;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;
import java.util.zip.CRC32;
import javax.imageio.ImageIO;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class ImageDecoderTest {
    private static final ImageDecoder DECODER = new ImageDecoder(50_000_000L);

    static int maxAbsDiff(RgbImage a, RgbImage b) {
        assertEquals(a.width(), b.width(), "width");
        assertEquals(a.height(), b.height(), "height");
        int worst = 0;
        for (int i = 0; i < a.rgb().length; i++) {
            worst = Math.max(worst, Math.abs((a.rgb()[i] & 0xff) - (b.rgb()[i] & 0xff)));
        }
        return worst;
    }

    /** JPEG inputs of the golden set that come with the reference decode (Pillow/libjpeg-turbo). */
    static List<Path> jpegInputs() throws IOException {
        try (Stream<Path> s = Files.list(ImageTestSupport.IMAGES)) {
            return s.filter(p -> {
                String n = p.getFileName().toString().toLowerCase(Locale.ROOT);
                return n.endsWith(".jpg") || n.endsWith(".jpeg");
            }).filter(p -> Files.exists(referenceOf(p))).sorted().toList();
        }
    }

    private static Path referenceOf(Path jpeg) {
        String n = jpeg.getFileName().toString();
        return ImageTestSupport.PREPROCESS.resolve(n.substring(0, n.lastIndexOf('.')) + ".rgb.png");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("jpegInputs")
    void jpegDecodeIsCloseToPillow(Path jpeg) {
        RgbImage mine = DECODER.decode(ImageTestSupport.readBytes(jpeg), jpeg.toString());
        RgbImage ref = DECODER.decode(ImageTestSupport.readBytes(referenceOf(jpeg)), referenceOf(jpeg).toString());
        int diff = maxAbsDiff(mine, ref);
        // README §6: expect ±1–2 levels unless the decoder is libjpeg ISLOW with fancy upsampling (then 0).
        assertTrue(diff <= 2, jpeg + ": max abs difference to the reference decode is " + diff);
    }

    // ---------------------------------------------------------------- conversions like Pillow's convert("RGB")

    private static byte[] encode(BufferedImage img, String format) {
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            assertTrue(ImageIO.write(img, format, out), "no ImageIO writer for " + format);
            return out.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static int[] rgbAt(RgbImage img, int x, int y) {
        return new int[] {img.sample(x, y, 0), img.sample(x, y, 1), img.sample(x, y, 2)};
    }

    @Test
    void rgbaDropsAlphaWithoutCompositing() {
        BufferedImage img = new BufferedImage(3, 2, BufferedImage.TYPE_INT_ARGB);
        img.setRGB(0, 0, 0x00102030); // fully transparent: colour must survive
        img.setRGB(1, 0, 0x80405060);
        img.setRGB(2, 1, 0xff708090);
        RgbImage out = DECODER.decode(encode(img, "png"), "rgba.png");
        assertArrayEquals(new int[] {0x10, 0x20, 0x30}, rgbAt(out, 0, 0));
        assertArrayEquals(new int[] {0x40, 0x50, 0x60}, rgbAt(out, 1, 0));
        assertArrayEquals(new int[] {0x70, 0x80, 0x90}, rgbAt(out, 2, 1));
    }

    @Test
    void grayIsReplicated() {
        BufferedImage img = new BufferedImage(2, 1, BufferedImage.TYPE_BYTE_GRAY);
        img.getRaster().setSample(0, 0, 0, 17);
        img.getRaster().setSample(1, 0, 0, 200);
        RgbImage out = DECODER.decode(encode(img, "png"), "gray.png");
        assertArrayEquals(new int[] {17, 17, 17}, rgbAt(out, 0, 0));
        assertArrayEquals(new int[] {200, 200, 200}, rgbAt(out, 1, 0));
    }

    private static IndexColorModel palette(boolean withTransparentIndex) {
        // 256 entries: the JDK BMP writer packs smaller palettes as 4 bpp incorrectly.
        byte[] r = new byte[256];
        byte[] g = new byte[256];
        byte[] b = new byte[256];
        for (int i = 0; i < 4; i++) {
            r[i] = (byte) (i == 3 ? 250 : 10 * (i + 1));
            g[i] = (byte) (r[i] + 1);
            b[i] = (byte) (r[i] + 2);
        }
        return withTransparentIndex ? new IndexColorModel(8, 256, r, g, b, 2) : new IndexColorModel(8, 256, r, g, b);
    }

    @Test
    void paletteIsExpandedIgnoringTransparency() {
        for (String format : new String[] {"png", "gif", "bmp"}) {
            BufferedImage img = new BufferedImage(4, 1, BufferedImage.TYPE_BYTE_INDEXED, palette(!"bmp".equals(format)));
            for (int x = 0; x < 4; x++) {
                img.getRaster().setSample(x, 0, 0, 3 - x);
            }
            RgbImage out = DECODER.decode(encode(img, format), "palette." + format);
            assertArrayEquals(new int[] {250, 251, 252}, rgbAt(out, 0, 0), format);
            assertArrayEquals(new int[] {30, 31, 32}, rgbAt(out, 1, 0), format + " transparent index keeps its colour");
            assertArrayEquals(new int[] {10, 11, 12}, rgbAt(out, 3, 0), format);
        }
    }

    @Test
    void bmp24IsExact() {
        RgbImage src = ImageTestSupport.synthetic(37, 23);
        BufferedImage img = new BufferedImage(37, 23, BufferedImage.TYPE_3BYTE_BGR);
        for (int y = 0; y < 23; y++) {
            for (int x = 0; x < 37; x++) {
                img.setRGB(x, y, (src.sample(x, y, 0) << 16) | (src.sample(x, y, 1) << 8) | src.sample(x, y, 2));
            }
        }
        RgbImage out = DECODER.decode(encode(img, "bmp"), "synthetic.bmp");
        assertArrayEquals(src.rgb(), out.rgb());
        RgbImage png = DECODER.decode(encode(img, "png"), "synthetic.png");
        assertArrayEquals(src.rgb(), png.rgb());
    }

    private static BufferedImage sixteenBit(int bands, boolean alpha, int[] samples) {
        ColorSpace cs = ColorSpace.getInstance(bands >= 3 ? ColorSpace.CS_sRGB : ColorSpace.CS_GRAY);
        ComponentColorModel cm = new ComponentColorModel(cs, alpha, false,
                alpha ? Transparency.TRANSLUCENT : Transparency.OPAQUE, DataBuffer.TYPE_USHORT);
        WritableRaster r = cm.createCompatibleWritableRaster(samples.length / bands, 1);
        r.setPixels(0, 0, samples.length / bands, 1, samples);
        return new BufferedImage(cm, r, false, null);
    }

    @Test
    void sixteenBitRgbKeepsHighByte() {
        BufferedImage img = sixteenBit(3, false, new int[] {0x1234, 0xabff, 0x00ff, 0xffff, 0x0100, 0x80ee});
        RgbImage out = DECODER.decode(encode(img, "png"), "rgb16.png");
        assertArrayEquals(new int[] {0x12, 0xab, 0x00}, rgbAt(out, 0, 0));
        assertArrayEquals(new int[] {0xff, 0x01, 0x80}, rgbAt(out, 1, 0));
    }

    @Test
    void sixteenBitGrayIsClippedLikePillowI16() {
        BufferedImage img = sixteenBit(1, false, new int[] {0x0012, 0x00ff, 0x0100, 0xabcd});
        RgbImage out = DECODER.decode(encode(img, "png"), "gray16.png");
        assertArrayEquals(new int[] {0x12, 0x12, 0x12}, rgbAt(out, 0, 0));
        assertArrayEquals(new int[] {255, 255, 255}, rgbAt(out, 1, 0));
        assertArrayEquals(new int[] {255, 255, 255}, rgbAt(out, 2, 0));
        assertArrayEquals(new int[] {255, 255, 255}, rgbAt(out, 3, 0));
    }

    @Test
    void sixteenBitGrayAlphaKeepsHighByte() {
        BufferedImage img = sixteenBit(2, true, new int[] {0x1234, 0x0000, 0x00ff, 0xffff});
        RgbImage out = DECODER.decode(encode(img, "png"), "la16.png");
        assertArrayEquals(new int[] {0x12, 0x12, 0x12}, rgbAt(out, 0, 0));
        assertArrayEquals(new int[] {0, 0, 0}, rgbAt(out, 1, 0));
    }

    @Test
    void grayJpegIsReplicated() {
        BufferedImage img = new BufferedImage(16, 16, BufferedImage.TYPE_BYTE_GRAY);
        for (int y = 0; y < 16; y++) {
            for (int x = 0; x < 16; x++) {
                img.getRaster().setSample(x, y, 0, 128);
            }
        }
        RgbImage out = DECODER.decode(encode(img, "jpg"), "gray.jpg");
        assertEquals(16, out.width());
        for (int i = 0; i < out.rgb().length; i += 3) {
            assertEquals(out.rgb()[i], out.rgb()[i + 1]);
            assertEquals(out.rgb()[i], out.rgb()[i + 2]);
            assertEquals(128, out.rgb()[i] & 0xff, 1);
        }
    }

    // ---------------------------------------------------------------- errors

    private static void assertFails(byte[] bytes, String source, String expectedFragment) {
        ImageDecodeException e = assertThrows(ImageDecodeException.class, () -> DECODER.decode(bytes, source));
        assertTrue(e.getMessage().contains(source), "message names the source: " + e.getMessage());
        assertEquals(source, e.source());
        assertTrue(e.getMessage().toLowerCase(Locale.ROOT).contains(expectedFragment),
                "message mentions '" + expectedFragment + "': " + e.getMessage());
    }

    @Test
    void emptyBytesAreRejected() {
        assertFails(new byte[0], "s3://bucket/empty.png", "0 bytes");
        assertFails(null, "row 17", "0 bytes");
    }

    @Test
    void unknownFormatIsRejected() {
        assertFails("<html><body>not an image</body></html>".getBytes(StandardCharsets.UTF_8), "page.html",
                "unrecognised image format");
        assertFails(new byte[] {0x00, 0x01, 0x02}, "tiny.bin", "unrecognised image format");
    }

    @Test
    void truncatedPngIsRejected() {
        byte[] png = ImageTestSupport.readBytes(ImageTestSupport.FIXTURE_IMAGES.resolve("chelsea.png"));
        for (double fraction : new double[] {0.1, 0.5, 0.95}) {
            assertFails(Arrays.copyOf(png, (int) (png.length * fraction)), "chelsea-cut.png", "png");
        }
    }

    @Test
    void truncatedJpegIsRejected() {
        byte[] jpg = ImageTestSupport.readBytes(ImageTestSupport.FIXTURE_IMAGES.resolve("progressive.jpg"));
        for (double fraction : new double[] {0.3, 0.9, 0.999}) {
            assertFails(Arrays.copyOf(jpg, (int) (jpg.length * fraction)), "progressive-cut.jpg", "truncated");
        }
        byte[] cmyk = ImageTestSupport.readBytes(ImageTestSupport.FIXTURE_IMAGES.resolve("cmyk.jpg"));
        assertFails(Arrays.copyOf(cmyk, cmyk.length / 2), "cmyk-cut.jpg", "truncated");
    }

    @Test
    void truncatedGifIsRejected() {
        BufferedImage img = new BufferedImage(64, 64, BufferedImage.TYPE_BYTE_INDEXED);
        for (int y = 0; y < 64; y++) {
            for (int x = 0; x < 64; x++) {
                img.setRGB(x, y, (x * 4 << 16) | (y * 4 << 8) | ((x ^ y) & 0xff));
            }
        }
        byte[] gif = encode(img, "gif");
        assertEquals(64, DECODER.decode(gif, "whole.gif").width());
        assertFails(Arrays.copyOf(gif, gif.length * 9 / 10), "cut.gif", "gif");
    }

    @Test
    void corruptJpegIsRejected() {
        byte[] jpg = ImageTestSupport.readBytes(ImageTestSupport.FIXTURE_IMAGES.resolve("progressive.jpg"));
        byte[] bad = jpg.clone();
        // Keep SOI, wreck everything after it: no valid marker follows.
        for (int i = 2; i < 400; i++) {
            bad[i] = (byte) 0x5a;
        }
        assertFails(bad, "broken.jpg", "jpeg");
        byte[] header = {(byte) 0xff, (byte) 0xd8, (byte) 0xff, (byte) 0xe0, 0, 16, 'J', 'F', 'I', 'F', 0};
        assertFails(header, "header-only.jpg", "jpeg");
    }

    @Test
    void tooManyPixelsIsRejectedFromTheHeader() {
        byte[] chelsea = ImageTestSupport.readBytes(ImageTestSupport.FIXTURE_IMAGES.resolve("chelsea.png"));
        ImageDecoder small = new ImageDecoder(451L * 300 - 1);
        ImageDecodeException e = assertThrows(ImageDecodeException.class, () -> small.decode(chelsea, "cat.png"));
        assertTrue(e.getMessage().contains("cat.png") && e.getMessage().contains("451x300"), e.getMessage());
        new ImageDecoder(451L * 300).decode(chelsea, "cat.png");

        // A header claiming 100000 x 100000 pixels with no pixel data: must fail on size, not on the data.
        byte[] bomb = pngHeaderOnly(100_000, 100_000);
        ImageDecodeException b = assertThrows(ImageDecodeException.class, () -> DECODER.decode(bomb, "bomb.png"));
        assertTrue(b.getMessage().contains("exceeds the limit"), b.getMessage());
        assertTrue(b.getMessage().contains("bomb.png"), b.getMessage());
    }

    private static byte[] pngHeaderOnly(int width, int height) {
        ByteBuffer ihdr = ByteBuffer.allocate(17);
        ihdr.put("IHDR".getBytes(StandardCharsets.US_ASCII)).putInt(width).putInt(height)
                .put((byte) 8).put((byte) 2).put((byte) 0).put((byte) 0).put((byte) 0);
        CRC32 crc = new CRC32();
        crc.update(ihdr.array());
        ByteBuffer png = ByteBuffer.allocate(8 + 4 + 17 + 4);
        png.put(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'}).putInt(13).put(ihdr.array())
                .putInt((int) crc.getValue());
        return png.array();
    }

    @Test
    void goldenPngsDecodeToTheirRecordedHash() {
        // Non-JPEG inputs: the decoded RGB must equal Pillow's exactly (fixture field decoded_rgb_sha256).
        int checked = 0;
        java.util.Set<String> seen = new java.util.HashSet<>();
        for (Path json : ImageTestSupport.fixtureJsons()) {
            var fx = ImageTestSupport.readJson(json);
            String image = fx.get("image").getAsString();
            if (ImageProcessorGoldenTest.isJpegInput(image) || !seen.add(image)) {
                continue;
            }
            RgbImage out = DECODER.decode(ImageTestSupport.readBytes(ImageTestSupport.IMAGES.resolve(image)), image);
            assertEquals(fx.get("decoded_rgb_sha256").getAsString(), ImageTestSupport.sha256(out.rgb()), image);
            checked++;
        }
        assertFalse(checked == 0, "no non-JPEG fixtures found");
    }
}
