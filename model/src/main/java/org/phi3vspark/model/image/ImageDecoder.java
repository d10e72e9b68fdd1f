package org.phi3vspark.model.image;

import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ColorModel;
import java.awt.image.ComponentColorModel;
import java.awt.image.DirectColorModel;
import java.awt.image.IndexColorModel;
import java.awt.image.Raster;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;
import javax.imageio.stream.MemoryCacheImageInputStream;

/**
 * Decodes image bytes into the RGB pixels that Pillow's {@code Image.open(...).convert("RGB")} gives, which is
 * what the reference processor sees.
 *
 * <p>Samples are read from the raster, never through Java2D colour conversion, because Pillow applies no
 * colour management: embedded ICC profiles and gamma are ignored, alpha is dropped (not composited),
 * palettes are looked up (transparency ignored), grey is replicated, 16-bit channels keep the high byte
 * (16-bit grey without alpha is clipped to 255, as Pillow's I;16 to RGB does), CMYK uses Pillow's naive
 * formula and EXIF orientation is not applied. JPEG is read as the raw decoded components (libjpeg's
 * upsampling) and colour-converted here with libjpeg's fixed-point tables, which makes it match Pillow's
 * libjpeg-turbo output exactly for the usual ISLOW-compatible files.
 *
 * <p>Thread-safe; every call uses its own ImageIO reader.
 */
public final class ImageDecoder {
    private final long maxPixels;

    /** @param maxPixels largest width*height accepted; checked from the header before pixels are decoded */
    public ImageDecoder(long maxPixels) {
        if (maxPixels < 1) {
            throw new IllegalArgumentException("maxPixels must be positive, got " + maxPixels);
        }
        this.maxPixels = maxPixels;
    }

    public long maxPixels() {
        return maxPixels;
    }

    /**
     * @param bytes  encoded PNG, JPEG, GIF (first frame), BMP or WebP
     * @param source name used in error messages (file, URI, row id)
     * @throws ImageDecodeException for empty, unrecognised, corrupt or truncated data, or too many pixels
     */
    public RgbImage decode(byte[] bytes, String source) {
        if (bytes == null || bytes.length == 0) {
            throw new ImageDecodeException(source, "no image data (0 bytes)");
        }
        String format = "image";
        try (ImageInputStream in = new MemoryCacheImageInputStream(new ByteArrayInputStream(bytes))) {
            Iterator<ImageReader> readers = ImageIO.getImageReaders(in);
            if (!readers.hasNext()) {
                throw new ImageDecodeException(source, "unsupported or unrecognised image format ("
                        + bytes.length + " bytes starting with " + hexPrefix(bytes) + ")");
            }
            ImageReader reader = readers.next();
            try {
                format = reader.getFormatName().toUpperCase(Locale.ROOT);
                reader.setInput(in, true, true);
                int width = reader.getWidth(0);
                int height = reader.getHeight(0);
                if (width <= 0 || height <= 0) {
                    throw new ImageDecodeException(source, format + " header gives an empty size "
                            + width + "x" + height);
                }
                if ((long) width * height > maxPixels) {
                    throw new ImageDecodeException(source, format + " image of " + width + "x" + height + " = "
                            + (long) width * height + " pixels exceeds the limit of " + maxPixels + " pixels");
                }
                List<String> warnings = new ArrayList<>();
                reader.addIIOReadWarningListener((r, message) -> warnings.add(message));
                RgbImage image = "JPEG".equals(format)
                        ? decodeJpeg(reader, bytes, source)
                        : fromRaster(reader.read(0), pngInfo(bytes), source);
                for (String w : warnings) {
                    if (isTruncationWarning(w)) {
                        throw new ImageDecodeException(source, "truncated " + format + " data (" + w + ")");
                    }
                }
                if (image.width() != width || image.height() != height) {
                    throw new ImageDecodeException(source, format + " decoded to " + image.width() + "x"
                            + image.height() + " but the header says " + width + "x" + height);
                }
                return image;
            } finally {
                reader.dispose();
            }
        } catch (ImageDecodeException e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            // ImageIO signals corrupt and truncated data with IIOException, EOFException or, from some
            // plugins, runtime exceptions (array index, illegal state); all mean the bytes are unusable.
            throw new ImageDecodeException(source, "corrupt or truncated " + format + " data: " + e, e);
        }
    }

    private static boolean isTruncationWarning(String warning) {
        String w = warning.toLowerCase(Locale.ROOT);
        // The JDK JPEG reader reports libjpeg's JWRN_JPEG_EOF as "Truncated File - Missing EOI marker" and
        // fills the rest with grey; Pillow raises "image file is truncated" for the same file.
        return w.contains("truncated") || w.contains("missing eoi") || w.contains("premature end of file");
    }

    private static String hexPrefix(byte[] bytes) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < Math.min(8, bytes.length); i++) {
            sb.append(String.format("%02x", bytes[i] & 0xff));
        }
        return sb.toString();
    }

    // ---------------------------------------------------------------- JPEG

    /** How libjpeg(-turbo) interprets the components, from the markers before the first scan. */
    private enum JpegColor { GRAY, YCBCR, RGB, CMYK, YCCK }

    private static RgbImage decodeJpeg(ImageReader reader, byte[] bytes, String source) throws IOException {
        // readRaster returns the decoded, upsampled components without colour conversion or ICC handling.
        Raster raster = reader.readRaster(0, null);
        int bands = raster.getNumBands();
        JpegColor color = jpegColor(bytes, bands);
        if (color == null) {
            throw new ImageDecodeException(source, "JPEG with " + bands + " components is not supported");
        }
        int w = raster.getWidth();
        int h = raster.getHeight();
        int x0 = raster.getMinX();
        int y0 = raster.getMinY();
        byte[] out = new byte[3 * w * h];
        int[] px = new int[bands * w];
        for (int y = 0; y < h; y++) {
            raster.getPixels(x0, y0 + y, w, 1, px);
            int o = y * w * 3;
            for (int x = 0; x < w; x++, o += 3) {
                int p = x * bands;
                switch (color) {
                    case GRAY -> {
                        byte v = (byte) px[p];
                        out[o] = v;
                        out[o + 1] = v;
                        out[o + 2] = v;
                    }
                    case RGB -> {
                        out[o] = (byte) px[p];
                        out[o + 1] = (byte) px[p + 1];
                        out[o + 2] = (byte) px[p + 2];
                    }
                    case YCBCR -> LibjpegColor.ycc2rgb(px[p], px[p + 1], px[p + 2], out, o);
                    case CMYK -> pillowCmykToRgb(255 - px[p], 255 - px[p + 1], 255 - px[p + 2], 255 - px[p + 3],
                            out, o);
                    case YCCK -> {
                        // libjpeg turns YCCK into Adobe-style (inverted) CMYK: 255 - RGB of the YCC part, K kept;
                        // Pillow then inverts everything ("CMYK;I"), leaving RGB of the YCC part and 255 - K.
                        LibjpegColor.ycc2rgb(px[p], px[p + 1], px[p + 2], out, o);
                        pillowCmykToRgb(out[o] & 0xff, out[o + 1] & 0xff, out[o + 2] & 0xff, 255 - px[p + 3], out, o);
                    }
                    default -> throw new AssertionError(color);
                }
            }
        }
        return new RgbImage(w, h, out);
    }

    /**
     * Pillow's {@code cmyk2rgb} on Pillow's CMYK values. Pillow reads every 4-component JPEG with the
     * inverted raw mode "CMYK;I" (Adobe convention, no marker check), hence the callers' 255 - x.
     */
    private static void pillowCmykToRgb(int c, int m, int y, int k, byte[] out, int o) {
        int nk = 255 - k;
        out[o] = (byte) clip8(nk - mulDiv255(c, nk));
        out[o + 1] = (byte) clip8(nk - mulDiv255(m, nk));
        out[o + 2] = (byte) clip8(nk - mulDiv255(y, nk));
    }

    private static int mulDiv255(int a, int b) {
        int tmp = a * b + 128;
        return ((tmp >> 8) + tmp) >> 8;
    }

    private static int clip8(int v) {
        return v < 0 ? 0 : Math.min(v, 255);
    }

    /**
     * libjpeg-turbo's default_decompress_parms: JFIF means YCbCr; an Adobe APP14 marker's transform
     * decides (0 = RGB/CMYK, else YCbCr/YCCK); otherwise component ids 'R','G','B' mean RGB.
     */
    static JpegColor jpegColor(byte[] b, int bands) {
        boolean jfif = false;
        int adobeTransform = -1;
        int[] componentIds = null;
        int pos = 2;
        while (pos + 4 <= b.length) {
            if ((b[pos] & 0xff) != 0xff) {
                break;
            }
            int marker = b[pos + 1] & 0xff;
            if (marker == 0xff) {
                pos++;
                continue;
            }
            if (marker == 0xd8 || (marker >= 0xd0 && marker <= 0xd7) || marker == 0x01) {
                pos += 2;
                continue;
            }
            if (marker == 0xda || marker == 0xd9) {
                break;
            }
            int len = ((b[pos + 2] & 0xff) << 8) | (b[pos + 3] & 0xff);
            int data = pos + 4;
            int dataLen = len - 2;
            if (dataLen < 0 || data + dataLen > b.length) {
                break;
            }
            if (marker == 0xe0 && dataLen >= 5 && b[data] == 'J' && b[data + 1] == 'F' && b[data + 2] == 'I'
                    && b[data + 3] == 'F' && b[data + 4] == 0) {
                jfif = true;
            } else if (marker == 0xee && dataLen >= 12 && b[data] == 'A' && b[data + 1] == 'd'
                    && b[data + 2] == 'o' && b[data + 3] == 'b' && b[data + 4] == 'e') {
                adobeTransform = b[data + 11] & 0xff;
            } else if (marker >= 0xc0 && marker <= 0xcf && marker != 0xc4 && marker != 0xc8 && marker != 0xcc
                    && dataLen >= 6) {
                int n = b[data + 5] & 0xff;
                if (dataLen >= 6 + 3 * n) {
                    componentIds = new int[n];
                    for (int i = 0; i < n; i++) {
                        componentIds[i] = b[data + 6 + 3 * i] & 0xff;
                    }
                }
            }
            pos = data + dataLen;
        }
        switch (bands) {
            case 1:
                return JpegColor.GRAY;
            case 3:
                if (jfif) {
                    return JpegColor.YCBCR;
                }
                if (adobeTransform >= 0) {
                    return adobeTransform == 0 ? JpegColor.RGB : JpegColor.YCBCR;
                }
                if (componentIds != null && componentIds.length == 3 && componentIds[0] == 'R'
                        && componentIds[1] == 'G' && componentIds[2] == 'B') {
                    return JpegColor.RGB;
                }
                return JpegColor.YCBCR;
            case 4:
                return adobeTransform == 2 ? JpegColor.YCCK : JpegColor.CMYK;
            default:
                return null;
        }
    }

    // ---------------------------------------------------------------- other formats

    /** PNG colour type and bit depth from IHDR, or null when the bytes are not a PNG. */
    private record PngInfo(int bitDepth, int colorType) {
    }

    private static PngInfo pngInfo(byte[] b) {
        if (b.length >= 29 && (b[0] & 0xff) == 0x89 && b[1] == 'P' && b[2] == 'N' && b[3] == 'G'
                && b[12] == 'I' && b[13] == 'H' && b[14] == 'D' && b[15] == 'R') {
            return new PngInfo(b[24] & 0xff, b[25] & 0xff);
        }
        return null;
    }

    private static RgbImage fromRaster(BufferedImage img, PngInfo png, String source) {
        ColorModel cm = img.getColorModel();
        Raster raster = img.getRaster();
        int w = raster.getWidth();
        int h = raster.getHeight();
        byte[] out = new byte[3 * w * h];
        if (cm instanceof IndexColorModel icm) {
            int size = icm.getMapSize();
            byte[] reds = new byte[size];
            byte[] greens = new byte[size];
            byte[] blues = new byte[size];
            icm.getReds(reds);
            icm.getGreens(greens);
            icm.getBlues(blues);
            int[] idx = new int[w];
            for (int y = 0; y < h; y++) {
                raster.getSamples(0, y, w, 1, 0, idx);
                int o = y * w * 3;
                for (int x = 0; x < w; x++, o += 3) {
                    int i = idx[x];
                    if (i < size) {
                        out[o] = reds[i];
                        out[o + 1] = greens[i];
                        out[o + 2] = blues[i];
                    }
                }
            }
            return new RgbImage(w, h, out);
        }
        if (cm instanceof DirectColorModel dcm) {
            int[] masks = {dcm.getRedMask(), dcm.getGreenMask(), dcm.getBlueMask()};
            int[] px = new int[w * raster.getNumBands()];
            int bands = raster.getNumBands();
            for (int y = 0; y < h; y++) {
                raster.getPixels(0, y, w, 1, px);
                int o = y * w * 3;
                for (int x = 0; x < w; x++, o += 3) {
                    for (int c = 0; c < 3; c++) {
                        // The raster's bands are the colour model's masks, already shifted down.
                        int bits = Integer.bitCount(masks[c]);
                        out[o + c] = (byte) scaleTo8(px[x * bands + c], bits);
                    }
                }
            }
            return new RgbImage(w, h, out);
        }
        if (cm instanceof ComponentColorModel) {
            int csType = cm.getColorSpace().getType();
            int colors = cm.getNumColorComponents();
            int bits = cm.getComponentSize(0);
            int bands = raster.getNumBands();
            // Pillow opens 16-bit grey PNG as I;16 and clips it to 255 in convert("RGB"); every other 16-bit
            // layout is unpacked to 8 bits by taking the most significant byte.
            boolean clipGray16 = bits == 16 && csType == ColorSpace.TYPE_GRAY
                    && (png != null ? png.colorType() == 0 : !cm.hasAlpha());
            int[] px = new int[w * bands];
            for (int y = 0; y < h; y++) {
                raster.getPixels(0, y, w, 1, px);
                int o = y * w * 3;
                for (int x = 0; x < w; x++, o += 3) {
                    int p = x * bands;
                    if (csType == ColorSpace.TYPE_GRAY && colors == 1) {
                        int v = clipGray16 ? Math.min(px[p], 255) : scaleTo8(px[p], bits);
                        out[o] = (byte) v;
                        out[o + 1] = (byte) v;
                        out[o + 2] = (byte) v;
                    } else if (csType == ColorSpace.TYPE_RGB && colors == 3) {
                        out[o] = (byte) scaleTo8(px[p], bits);
                        out[o + 1] = (byte) scaleTo8(px[p + 1], bits);
                        out[o + 2] = (byte) scaleTo8(px[p + 2], bits);
                    } else if (csType == ColorSpace.TYPE_CMYK && colors == 4) {
                        pillowCmykToRgb(scaleTo8(px[p], bits), scaleTo8(px[p + 1], bits),
                                scaleTo8(px[p + 2], bits), scaleTo8(px[p + 3], bits), out, o);
                    } else {
                        throw new ImageDecodeException(source, "unsupported colour space (type " + csType
                                + ", " + colors + " components)");
                    }
                }
            }
            return new RgbImage(w, h, out);
        }
        throw new ImageDecodeException(source, "unsupported pixel layout " + cm.getClass().getSimpleName());
    }

    /** 8-bit value of a {@code bits}-bit sample: high byte for 16 bits, Pillow's v*255/max for fewer than 8. */
    private static int scaleTo8(int v, int bits) {
        if (bits == 8) {
            return v;
        }
        if (bits > 8) {
            return v >>> (bits - 8);
        }
        return v * 255 / ((1 << bits) - 1);
    }
}
