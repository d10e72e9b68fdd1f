package org.phi3vspark.model.config;

import org.phi3vspark.model.io.JsonFiles;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.Objects;

/** The image processor settings of {@code preprocessor_config.json}. Mean/std are per RGB channel. */
public record PreprocessorConfig(int numCrops, float[] imageMean, float[] imageStd) {
    private static final float[] CLIP_MEAN = {0.48145466f, 0.4578275f, 0.40821073f};
    private static final float[] CLIP_STD = {0.26862954f, 0.26130258f, 0.27577711f};

    public PreprocessorConfig {
        if (numCrops < 1) {
            throw new IllegalArgumentException("numCrops must be at least 1, got " + numCrops);
        }
        if (imageMean.length != 3 || imageStd.length != 3) {
            throw new IllegalArgumentException("imageMean and imageStd need 3 values (RGB)");
        }
        imageMean = imageMean.clone();
        imageStd = imageStd.clone();
    }

    /** The real Phi-3.5-vision values: 4 crops, OpenAI CLIP mean/std. */
    public static PreprocessorConfig defaults() {
        return new PreprocessorConfig(4, CLIP_MEAN, CLIP_STD);
    }

    /**
     * Reads {@code json}. Absent keys take Phi3VImageProcessor's class defaults (num_crops 1,
     * OpenAI CLIP mean/std), as transformers would.
     */
    public static PreprocessorConfig load(Path json) {
        ConfigJson c = new ConfigJson(JsonFiles.readObject(json), json, "");
        int numCrops = c.optInt("num_crops", 1);
        if (numCrops < 1) {
            throw c.error("num_crops", "must be at least 1, got " + numCrops);
        }
        float[] mean = c.has("image_mean") ? c.requireFloatArray("image_mean") : CLIP_MEAN;
        float[] std = c.has("image_std") ? c.requireFloatArray("image_std") : CLIP_STD;
        if (mean.length != 3) {
            throw c.error("image_mean", "must have 3 values (RGB), has " + mean.length);
        }
        if (std.length != 3) {
            throw c.error("image_std", "must have 3 values (RGB), has " + std.length);
        }
        for (float s : std) {
            if (!(s > 0)) {
                throw c.error("image_std", "must be positive, got " + Arrays.toString(std));
            }
        }
        return new PreprocessorConfig(numCrops, mean, std);
    }

    @Override
    public float[] imageMean() {
        return imageMean.clone();
    }

    @Override
    public float[] imageStd() {
        return imageStd.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof PreprocessorConfig p && numCrops == p.numCrops && Arrays.equals(imageMean, p.imageMean)
                && Arrays.equals(imageStd, p.imageStd);
    }

    @Override
    public int hashCode() {
        return Objects.hash(numCrops, Arrays.hashCode(imageMean), Arrays.hashCode(imageStd));
    }

    @Override
    public String toString() {
        return "PreprocessorConfig[numCrops=" + numCrops + ", imageMean=" + Arrays.toString(imageMean)
                + ", imageStd=" + Arrays.toString(imageStd) + "]";
    }
}
