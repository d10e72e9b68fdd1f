package org.phi3vspark.model.image;

import java.util.Arrays;
import java.util.Objects;

/**
 * One image after the Phi-3.5-vision processor: the HD grid decisions and the real crops.
 *
 * @param numCrops      the requested num_crops (pixel tensors are padded to {@code numCrops + 1} crops)
 * @param cropsH        rows of 336x336 sub-crops in the HD image
 * @param cropsW        columns of sub-crops
 * @param paddedHeight  HD image height (= 336 * cropsH), the processor's {@code image_sizes[0]}
 * @param paddedWidth   HD image width (= 336 * cropsW), {@code image_sizes[1]}
 * @param numImgTokens  placeholder tokens this image takes in the prompt
 * @param crops         the real crops only, [1 + cropsH*cropsW, 3, 336, 336] float32: global view first,
 *                      then sub-crops row-major. Shared, not copied: treat as read-only.
 */
public record ProcessedImage(int numCrops, int cropsH, int cropsW, int paddedHeight, int paddedWidth,
        int numImgTokens, float[] crops) {
    /** Side of one crop in pixels. */
    public static final int CROP_SIZE = 336;
    /** Floats in one [3, 336, 336] crop. */
    public static final int CROP_FLOATS = 3 * CROP_SIZE * CROP_SIZE;

    public ProcessedImage {
        Objects.requireNonNull(crops, "crops");
        if (cropsH < 1 || cropsW < 1 || cropsH * cropsW > numCrops) {
            throw new IllegalArgumentException("crop grid " + cropsH + "x" + cropsW
                    + " does not fit num_crops " + numCrops);
        }
        if (paddedHeight != cropsH * CROP_SIZE || paddedWidth != cropsW * CROP_SIZE) {
            throw new IllegalArgumentException("padded size " + paddedHeight + "x" + paddedWidth
                    + " does not match crop grid " + cropsH + "x" + cropsW);
        }
        if ((long) crops.length != (long) (1 + cropsH * cropsW) * CROP_FLOATS) {
            throw new IllegalArgumentException("crops has " + crops.length + " floats, expected "
                    + (long) (1 + cropsH * cropsW) * CROP_FLOATS);
        }
    }

    /** Global view + sub-crops. */
    public int numRealCrops() {
        return 1 + cropsH * cropsW;
    }

    /** [numCrops + 1, 3, 336, 336]: the real crops followed by all-zero crops (a new array). */
    public float[] pixelValues() {
        return Arrays.copyOf(crops, (numCrops + 1) * CROP_FLOATS);
    }

    @Override
    public String toString() {
        return "ProcessedImage[numCrops=" + numCrops + ", crops=" + cropsH + "x" + cropsW + ", padded="
                + paddedHeight + "x" + paddedWidth + ", numImgTokens=" + numImgTokens + "]";
    }
}
