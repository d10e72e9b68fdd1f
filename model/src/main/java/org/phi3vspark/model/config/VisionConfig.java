package org.phi3vspark.model.config;

/** The CLIP vision tower's shape (CLIPVisionConfig fields that matter for inference). */
public record VisionConfig(int hiddenSize, int intermediateSize, int numHiddenLayers, int numAttentionHeads,
        int imageSize, int patchSize, double layerNormEps, String hiddenAct) {

    /** CLIP ViT-L/14 at 336 px, which the real checkpoint uses (the original code hard-codes it). */
    public static VisionConfig clipLarge336() {
        return new VisionConfig(1024, 4096, 24, 16, 336, 14, 1e-5, "quick_gelu");
    }

    /** 24 for 336/14. */
    public int numPatchesPerSide() {
        return imageSize / patchSize;
    }

    public int headDim() {
        return hiddenSize / numAttentionHeads;
    }

    /**
     * Reads an {@code img_processor.vision_config} block. Missing keys take transformers'
     * CLIPVisionConfig defaults, because that is what the reference does with the same block.
     */
    static VisionConfig fromJson(ConfigJson json) {
        VisionConfig c = new VisionConfig(
                json.optInt("hidden_size", 768),
                json.optInt("intermediate_size", 3072),
                json.optInt("num_hidden_layers", 12),
                json.optInt("num_attention_heads", 12),
                json.optInt("image_size", 224),
                json.optInt("patch_size", 32),
                json.optDouble("layer_norm_eps", 1e-5),
                json.optString("hidden_act", "quick_gelu"));
        c.validate(json);
        return c;
    }

    private void validate(ConfigJson json) {
        positive(json, "hidden_size", hiddenSize);
        positive(json, "intermediate_size", intermediateSize);
        positive(json, "num_hidden_layers", numHiddenLayers);
        positive(json, "num_attention_heads", numAttentionHeads);
        positive(json, "image_size", imageSize);
        positive(json, "patch_size", patchSize);
        if (hiddenSize % numAttentionHeads != 0) {
            throw json.error("hidden_size", "(" + hiddenSize + ") is not divisible by num_attention_heads ("
                    + numAttentionHeads + ")");
        }
        if (imageSize % patchSize != 0) {
            throw json.error("image_size", "(" + imageSize + ") is not divisible by patch_size (" + patchSize + ")");
        }
    }

    static void positive(ConfigJson json, String key, int value) {
        if (value <= 0) {
            throw json.error(key, "must be positive, got " + value);
        }
    }
}
