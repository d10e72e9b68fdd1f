package org.phi3vspark.model.image;

import org.phi3vspark.model.config.PreprocessorConfig;

import java.util.Arrays;
import java.util.Objects;

/**
 * The Phi-3.5-vision image processor ({@code Phi3VImageProcessor}): HD transform (transpose portrait
 * images, Pillow bilinear resize to a multiple of 336 on the long side, white padding of the short side),
 * float32 normalization, a PyTorch-bicubic 336x336 global view and row-major 336x336 sub-crops.
 * Thread-safe.
 */
public final class ImageProcessor {
    private static final int CROP = ProcessedImage.CROP_SIZE;

    /** Normalized value of each byte per channel, computed like torchvision: (u / 255 - mean) / std in float32. */
    private final float[][] lut = new float[3][256];

    public ImageProcessor(PreprocessorConfig cfg) {
        Objects.requireNonNull(cfg, "cfg");
        float[] mean = cfg.imageMean();
        float[] std = cfg.imageStd();
        for (int c = 0; c < 3; c++) {
            for (int u = 0; u < 256; u++) {
                float x = (float) u / 255f;
                lut[c][u] = (x - mean[c]) / std[c];
            }
        }
    }

    /**
     * The integer decisions of the HD transform for an image of {@code width x height}.
     *
     * @param transposed     width < height: the work happens on the transposed image
     * @param scale          long side becomes {@code 336 * scale}
     * @param resizedW       resize target width in the transposed frame
     * @param resizedH       resize target height in the transposed frame
     * @param padTop         white rows above, in the transposed frame
     * @param padBottom      white rows below, in the transposed frame
     */
    record HdPlan(boolean transposed, int scale, int resizedW, int resizedH, int padTop, int padBottom) {
        int paddedHeight() {
            return transposed ? resizedW : resizedH + padTop + padBottom;
        }

        int paddedWidth() {
            return transposed ? resizedH + padTop + padBottom : resizedW;
        }
    }

    static HdPlan plan(int width, int height, int numCrops) {
        if (numCrops < 1) {
            throw new IllegalArgumentException("num_crops must be at least 1, got " + numCrops);
        }
        boolean transposed = width < height;
        int w = transposed ? height : width;
        int h = transposed ? width : height;
        // Same double arithmetic as HD_transform, including the while loop (off-by-one traps otherwise).
        double ratio = (double) w / h;
        int scale = 1;
        while (scale * Math.ceil(scale / ratio) <= numCrops) {
            scale++;
        }
        scale--;
        int newW = scale * CROP;
        int newH = (int) (newW / ratio);
        if (newH < 1) {
            throw new IllegalArgumentException("image of " + width + "x" + height
                    + " is too elongated: the HD transform would resize its short side to 0 pixels");
        }
        int target = (int) (Math.ceil(newH / (double) CROP) * CROP);
        int top = (target - newH) / 2;
        int bottom = target - newH - top;
        return new HdPlan(transposed, scale, newW, newH, top, bottom);
    }

    /** Image tokens of an image whose HD grid is {@code cropsH x cropsW}. */
    public static int numImgTokens(int cropsH, int cropsW) {
        return (cropsH * cropsW + 1) * 144 + 1 + (cropsH + 1) * 12;
    }

    /** The padded HD image (uint8, original orientation), size a multiple of 336 in both directions. */
    public RgbImage hdTransform(RgbImage img, int numCrops) {
        Objects.requireNonNull(img, "img");
        HdPlan p = plan(img.width(), img.height(), numCrops);
        RgbImage work = p.transposed() ? img.transpose() : img;
        RgbImage resized = PillowBilinear.resize(work, p.resizedW(), p.resizedH());
        RgbImage padded = padWhite(resized, p.padTop(), p.padBottom());
        return p.transposed() ? padded.transpose() : padded;
    }

    private static RgbImage padWhite(RgbImage img, int top, int bottom) {
        if (top == 0 && bottom == 0) {
            return img;
        }
        int row = img.width() * 3;
        byte[] out = new byte[row * (img.height() + top + bottom)];
        Arrays.fill(out, (byte) 255);
        System.arraycopy(img.rgb(), 0, out, top * row, img.rgb().length);
        return new RgbImage(img.width(), img.height() + top + bottom, out);
    }

    /** HD transform, normalization, global view and sub-crops for one image. */
    public ProcessedImage process(RgbImage img, int numCrops) {
        RgbImage hd = hdTransform(img, numCrops);
        int h = hd.height();
        int w = hd.width();
        int cropsH = h / CROP;
        int cropsW = w / CROP;
        float[] normalized = normalize(hd);
        int plane = h * w;
        float[] crops = new float[(1 + cropsH * cropsW) * ProcessedImage.CROP_FLOATS];
        TorchBicubic.resize(normalized, 0, 3, h, w, crops, 0, CROP, CROP);
        int offset = ProcessedImage.CROP_FLOATS;
        for (int r = 0; r < cropsH; r++) {
            for (int c = 0; c < cropsW; c++) {
                for (int ch = 0; ch < 3; ch++) {
                    for (int y = 0; y < CROP; y++) {
                        System.arraycopy(normalized, ch * plane + (r * CROP + y) * w + c * CROP,
                                crops, offset, CROP);
                        offset += CROP;
                    }
                }
            }
        }
        return new ProcessedImage(numCrops, cropsH, cropsW, h, w, numImgTokens(cropsH, cropsW), crops);
    }

    /** [3, H, W] float32 planes of the normalized image. */
    float[] normalize(RgbImage img) {
        int n = img.width() * img.height();
        byte[] rgb = img.rgb();
        float[] out = new float[3 * n];
        for (int i = 0; i < n; i++) {
            out[i] = lut[0][rgb[i * 3] & 0xff];
            out[n + i] = lut[1][rgb[i * 3 + 1] & 0xff];
            out[2 * n + i] = lut[2][rgb[i * 3 + 2] & 0xff];
        }
        return out;
    }
}
