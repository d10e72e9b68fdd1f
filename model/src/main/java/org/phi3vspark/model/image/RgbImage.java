package org.phi3vspark.model.image;

/**
 * An 8-bit RGB image: {@code rgb} holds {@code height} rows of {@code width} pixels, 3 bytes (R, G, B) each.
 * The array is shared, not copied: treat it as read-only once the image is built.
 */
public record RgbImage(int width, int height, byte[] rgb) {
    public RgbImage {
        if (width <= 0 || height <= 0) {
            throw new IllegalArgumentException("image size must be positive, got " + width + "x" + height);
        }
        if (rgb == null || (long) rgb.length != 3L * width * height) {
            throw new IllegalArgumentException("an RGB image of " + width + "x" + height + " needs "
                    + 3L * width * height + " bytes, got " + (rgb == null ? "null" : rgb.length));
        }
    }

    /** Channel {@code c} (0 = R) of pixel (x, y) as 0..255. */
    public int sample(int x, int y, int c) {
        return rgb[(y * width + x) * 3 + c] & 0xff;
    }

    /** Swaps the axes (Pillow's {@code Image.TRANSPOSE}): pixel (x, y) moves to (y, x). Not a rotation. */
    public RgbImage transpose() {
        byte[] out = new byte[rgb.length];
        for (int y = 0; y < height; y++) {
            int src = y * width * 3;
            for (int x = 0; x < width; x++, src += 3) {
                int dst = (x * height + y) * 3;
                out[dst] = rgb[src];
                out[dst + 1] = rgb[src + 1];
                out[dst + 2] = rgb[src + 2];
            }
        }
        return new RgbImage(height, width, out);
    }

    @Override
    public String toString() {
        return "RgbImage[" + width + "x" + height + "]";
    }
}
