package org.phi3vspark.model.image;

/**
 * Pillow's {@code Image.resize(size, BILINEAR)} for 8-bit RGB, bit for bit ({@code libImaging/Resample.c}).
 *
 * <p>Triangle filter whose support widens with the downscale factor (so it antialiases), separable:
 * horizontal pass first, then vertical, each rounding to uint8 through 22-bit fixed-point weights.
 * A pass whose size does not change is skipped, like Pillow does for a full-image box.
 */
final class PillowBilinear {
    private static final int PRECISION_BITS = 32 - 8 - 2;
    private static final int HALF = 1 << (PRECISION_BITS - 1);

    private PillowBilinear() {
    }

    /** The weights of one axis: for output {@code o}, inputs {@code start[o] .. start[o]+count[o]-1}. */
    record Axis(int ksize, int[] start, int[] count, int[] weights) {
    }

    static RgbImage resize(RgbImage in, int outWidth, int outHeight) {
        if (outWidth <= 0 || outHeight <= 0) {
            throw new IllegalArgumentException("resize target must be positive, got " + outWidth + "x" + outHeight);
        }
        RgbImage img = in;
        // Pillow computes the vertical bounds first and resamples horizontally only the rows they use;
        // that is an optimisation with identical results, so all rows are done here.
        if (outWidth != in.width()) {
            img = horizontal(img, axis(in.width(), outWidth), outWidth);
        }
        if (outHeight != in.height()) {
            img = vertical(img, axis(in.height(), outHeight), outHeight);
        }
        return img == in ? new RgbImage(in.width(), in.height(), in.rgb().clone()) : img;
    }

    /** {@code precompute_coeffs} + {@code normalize_coeffs_8bpc} for a full box [0, inSize). */
    static Axis axis(int inSize, int outSize) {
        // Pillow's box is float; (float) inSize - 0f is exact for any realistic size.
        double scale = (double) ((float) inSize) / outSize;
        double filterScale = Math.max(scale, 1.0);
        double support = 1.0 * filterScale;
        int ksize = (int) Math.ceil(support) * 2 + 1;
        int[] start = new int[outSize];
        int[] count = new int[outSize];
        int[] weights = new int[outSize * ksize];
        double[] k = new double[ksize];
        for (int xx = 0; xx < outSize; xx++) {
            double center = (xx + 0.5) * scale;
            double ww = 0.0;
            double ss = 1.0 / filterScale;
            int xmin = (int) (center - support + 0.5);
            if (xmin < 0) {
                xmin = 0;
            }
            int xmax = (int) (center + support + 0.5);
            if (xmax > inSize) {
                xmax = inSize;
            }
            xmax -= xmin;
            for (int x = 0; x < xmax; x++) {
                double w = triangle((x + xmin - center + 0.5) * ss);
                k[x] = w;
                ww += w;
            }
            for (int x = 0; x < xmax; x++) {
                double w = ww != 0.0 ? k[x] / ww : k[x];
                weights[xx * ksize + x] = w < 0
                        ? (int) (-0.5 + w * (1 << PRECISION_BITS))
                        : (int) (0.5 + w * (1 << PRECISION_BITS));
            }
            start[xx] = xmin;
            count[xx] = xmax;
        }
        return new Axis(ksize, start, count, weights);
    }

    private static double triangle(double x) {
        if (x < 0.0) {
            x = -x;
        }
        return x < 1.0 ? 1.0 - x : 0.0;
    }

    private static int clip8(int acc) {
        int v = acc >> PRECISION_BITS;
        return v < 0 ? 0 : Math.min(v, 255);
    }

    private static RgbImage horizontal(RgbImage in, Axis a, int outWidth) {
        int h = in.height();
        int inRow = in.width() * 3;
        byte[] src = in.rgb();
        byte[] dst = new byte[outWidth * h * 3];
        int[] w = a.weights();
        for (int y = 0; y < h; y++) {
            int rowBase = y * inRow;
            int o = y * outWidth * 3;
            for (int xx = 0; xx < outWidth; xx++, o += 3) {
                int s = rowBase + a.start()[xx] * 3;
                int kb = xx * a.ksize();
                int n = a.count()[xx];
                int r = HALF;
                int g = HALF;
                int b = HALF;
                for (int x = 0; x < n; x++, s += 3) {
                    int k = w[kb + x];
                    r += (src[s] & 0xff) * k;
                    g += (src[s + 1] & 0xff) * k;
                    b += (src[s + 2] & 0xff) * k;
                }
                dst[o] = (byte) clip8(r);
                dst[o + 1] = (byte) clip8(g);
                dst[o + 2] = (byte) clip8(b);
            }
        }
        return new RgbImage(outWidth, h, dst);
    }

    private static RgbImage vertical(RgbImage in, Axis a, int outHeight) {
        int rowBytes = in.width() * 3;
        byte[] src = in.rgb();
        byte[] dst = new byte[rowBytes * outHeight];
        int[] acc = new int[rowBytes];
        int[] w = a.weights();
        for (int yy = 0; yy < outHeight; yy++) {
            java.util.Arrays.fill(acc, HALF);
            int kb = yy * a.ksize();
            int y0 = a.start()[yy];
            int n = a.count()[yy];
            for (int y = 0; y < n; y++) {
                int k = w[kb + y];
                int s = (y0 + y) * rowBytes;
                for (int i = 0; i < rowBytes; i++) {
                    acc[i] += (src[s + i] & 0xff) * k;
                }
            }
            int o = yy * rowBytes;
            for (int i = 0; i < rowBytes; i++) {
                dst[o + i] = (byte) clip8(acc[i]);
            }
        }
        return new RgbImage(in.width(), outHeight, dst);
    }
}
