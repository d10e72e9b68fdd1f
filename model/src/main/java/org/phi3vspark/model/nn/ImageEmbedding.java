package org.phi3vspark.model.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import org.phi3vspark.model.config.ModelConfig;
import org.phi3vspark.model.image.ProcessedImage;

/**
 * Turns one preprocessed image into its rows of decoder input: CLIP patch features of every real crop,
 * 2×2 merge, the HD layout with the learnt separators (sub_GN after every row, glb_GN between the
 * sub-crop block and the global block), then the GELU projector.
 */
public final class ImageEmbedding {
    private final VisionTower tower;
    private final int patchesPerSide; // 24 for CLIP-336/14
    private final int patchSize; // 14
    private final long mergedDim; // 4C
    private final NDArray globalSeparator; // glb_GN [1, 4C]
    private final NDArray rowSeparator; // sub_GN [1, 4C]
    private final NDArray proj0Weight, proj0Bias, proj2Weight, proj2Bias;

    private ImageEmbedding(VisionTower tower, int patchesPerSide, int patchSize, long mergedDim, NDArray globalSeparator,
            NDArray rowSeparator, NDArray proj0Weight, NDArray proj0Bias, NDArray proj2Weight, NDArray proj2Bias) {
        this.tower = tower;
        this.patchesPerSide = patchesPerSide;
        this.patchSize = patchSize;
        this.mergedDim = mergedDim;
        this.globalSeparator = globalSeparator;
        this.rowSeparator = rowSeparator;
        this.proj0Weight = proj0Weight;
        this.proj0Bias = proj0Bias;
        this.proj2Weight = proj2Weight;
        this.proj2Bias = proj2Bias;
    }

    public static ImageEmbedding load(ModelConfig config, WeightLoader weights, long attentionBlockBytes) {
        long merged = 4L * config.imageDimOut();
        long h = config.hiddenSize();
        return new ImageEmbedding(
                VisionTower.load(config.vision(), weights, attentionBlockBytes),
                config.vision().numPatchesPerSide(),
                config.vision().patchSize(),
                merged,
                weights.load(WeightNames.GLB_GN, 1, 1, merged).reshape(1, merged),
                weights.load(WeightNames.SUB_GN, 1, 1, 1, merged).reshape(1, merged),
                weights.load(WeightNames.PROJ_0_W, h, merged),
                weights.load(WeightNames.PROJ_0_B, h),
                weights.load(WeightNames.PROJ_2_W, h, h),
                weights.load(WeightNames.PROJ_2_B, h));
    }

    public VisionTower visionTower() {
        return tower;
    }

    /** One image → [numImgTokens, H] rows, in the compute dtype of the weights. */
    public NDArray embed(NDManager manager, ProcessedImage image) {
        DataType dtype = proj0Weight.getDataType();
        long side = (long) patchesPerSide * patchSize;
        NDArray pixels = manager.create(image.crops(), new Shape(image.numRealCrops(), 3, side, side))
                .toDevice(proj0Weight.getDevice(), false)
                .toType(dtype, false); // [1 + n, 3, 336, 336]
        NDArray merged = merge2x2(tower.patchFeatures(pixels)); // [1 + n, 12, 12, 4C]
        long g = patchesPerSide / 2;
        int hc = image.cropsH();
        int wc = image.cropsW();
        NDArray subGrid = merged.get("1:")
                .reshape(hc, wc, g, g, mergedDim)
                .transpose(0, 2, 1, 3, 4) // [hc, 12, wc, 12, 4C]
                .reshape(hc * g, wc * g, mergedDim);
        NDArray tokens = NDArrays.concat(new NDList(
                withRowSeparators(subGrid), // [(hc·12)·(wc·12 + 1), 4C]
                globalSeparator, // [1, 4C]
                withRowSeparators(merged.get(0))), 0); // [12·13, 4C]
        return project(tokens); // [numImgTokens, H]
    }

    /** [N, n², C] patch features → [N, n/2, n/2, 4C]: concat of patches (2i,2j), (2i,2j+1), (2i+1,2j), (2i+1,2j+1). */
    private NDArray merge2x2(NDArray features) {
        long n = features.getShape().get(0);
        long c = features.getShape().get(2);
        long g = patchesPerSide / 2;
        return features.reshape(n, g, 2, g, 2, c)
                .transpose(0, 1, 3, 2, 4, 5) // [N, 12, 12, 2, 2, C]
                .reshape(n, g, g, 4 * c);
    }

    /** [rows, cols, 4C] → [rows·(cols + 1), 4C] with sub_GN appended to every row. */
    private NDArray withRowSeparators(NDArray grid) {
        long rows = grid.getShape().get(0);
        NDArray separators = rowSeparator.reshape(1, 1, mergedDim).broadcast(rows, 1, mergedDim);
        return NDArrays.concat(new NDList(grid, separators), 1).reshape(-1, mergedDim);
    }

    /** Linear(4C, H) → exact GELU → Linear(H, H). */
    private NDArray project(NDArray tokens) {
        NDArray hidden = Activation.gelu(Layers.linear(tokens, proj0Weight, proj0Bias));
        return Layers.linear(hidden, proj2Weight, proj2Bias);
    }
}
