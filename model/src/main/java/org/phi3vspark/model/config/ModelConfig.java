package org.phi3vspark.model.config;

import org.phi3vspark.model.io.CheckpointException;
import org.phi3vspark.model.io.JsonFiles;

import java.nio.file.Path;
import java.util.Objects;

/**
 * The Phi-3.5-vision {@code config.json}: text decoder sizes, RoPE, special ids and the image
 * embedder's CLIP tower.
 *
 * <p>{@code ropeScaling} is never null: without a {@code rope_scaling} block it is
 * {@link RopeScaling#none}, whose unit factors give plain RoPE. {@code padTokenId} is -1 when the
 * config sets it to null.
 */
public record ModelConfig(int vocabSize, int hiddenSize, int intermediateSize, int numHiddenLayers,
        int numAttentionHeads, int numKeyValueHeads, double rmsNormEps, double ropeTheta, RopeScaling ropeScaling,
        int originalMaxPositionEmbeddings, int maxPositionEmbeddings, int bosTokenId, int eosTokenId, int padTokenId,
        int imageDimOut, int numImgTokens, VisionConfig vision) {

    public ModelConfig {
        Objects.requireNonNull(ropeScaling, "ropeScaling");
        Objects.requireNonNull(vision, "vision");
    }

    /** Reads and validates {@code configJson}; errors name the file and the offending key. */
    public static ModelConfig load(Path configJson) {
        ConfigJson json = new ConfigJson(JsonFiles.readObject(configJson), configJson, "");
        int hiddenSize = json.requireInt("hidden_size");
        int heads = json.requireInt("num_attention_heads");
        VisionConfig.positive(json, "hidden_size", hiddenSize);
        VisionConfig.positive(json, "num_attention_heads", heads);
        if (hiddenSize % heads != 0) {
            throw json.error("hidden_size", "(" + hiddenSize + ") is not divisible by num_attention_heads (" + heads
                    + ")");
        }
        int kvHeads = json.optInt("num_key_value_heads", heads);
        VisionConfig.positive(json, "num_key_value_heads", kvHeads);
        if (heads % kvHeads != 0) {
            throw json.error("num_key_value_heads", "(" + kvHeads + ") does not divide num_attention_heads (" + heads
                    + ")");
        }
        int headDim = hiddenSize / heads;
        if (headDim % 2 != 0) {
            throw json.error("hidden_size", "gives an odd head dimension " + headDim + "; RoPE needs an even one");
        }
        int vocabSize = json.requireInt("vocab_size");
        int intermediateSize = json.requireInt("intermediate_size");
        int layers = json.requireInt("num_hidden_layers");
        VisionConfig.positive(json, "vocab_size", vocabSize);
        VisionConfig.positive(json, "intermediate_size", intermediateSize);
        VisionConfig.positive(json, "num_hidden_layers", layers);
        // Fallbacks are Phi3VConfig's class defaults, i.e. what transformers would use.
        int maxPos = json.optInt("max_position_embeddings", 4096);
        int origMaxPos = json.optInt("original_max_position_embeddings", 4096);
        VisionConfig.positive(json, "max_position_embeddings", maxPos);
        VisionConfig.positive(json, "original_max_position_embeddings", origMaxPos);

        ConfigJson imgProcessor = json.child("img_processor");
        VisionConfig vision = VisionConfig.clipLarge336();
        int imageDimOut = vision.hiddenSize();
        int numImgTokens = 144;
        if (imgProcessor != null) {
            ConfigJson visionJson = imgProcessor.child("vision_config");
            if (visionJson != null) {
                vision = VisionConfig.fromJson(visionJson);
            }
            imageDimOut = imgProcessor.optInt("image_dim_out", vision.hiddenSize());
            numImgTokens = imgProcessor.optInt("num_img_tokens", numImgTokens);
            if (imageDimOut != vision.hiddenSize()) {
                throw imgProcessor.error("image_dim_out", "(" + imageDimOut + ") differs from the CLIP hidden size ("
                        + vision.hiddenSize() + ")");
            }
        }

        rejectUnimplemented(json, maxPos);
        return new ModelConfig(vocabSize, hiddenSize, intermediateSize, layers, heads, kvHeads,
                json.requireDouble("rms_norm_eps"), json.optDouble("rope_theta", 10000.0),
                ropeScaling(json, headDim), origMaxPos, maxPos,
                json.intOrFirstOfList("bos_token_id", 1), json.intOrFirstOfList("eos_token_id", 32000),
                json.isNull("pad_token_id") ? -1 : json.intOrFirstOfList("pad_token_id", 32000),
                imageDimOut, numImgTokens, vision);
    }

    /**
     * Settings with more than one value in the original code, of which this runtime implements the one
     * Phi-3.5-vision-instruct uses: anything else is refused here, naming the key, rather than silently run
     * as something it is not.
     */
    private static void rejectUnimplemented(ConfigJson json, int maxPositions) {
        json.requireValue("hidden_act", "silu", "silu");
        if (json.has("sliding_window") && json.requireInt("sliding_window") < maxPositions) {
            throw json.error("sliding_window", "(" + json.requireInt("sliding_window") + ") is below"
                    + " max_position_embeddings (" + maxPositions + "); sliding-window attention is not implemented");
        }
        // Defaults are the original image embedder's (no HD transform, no separators, glb_sub, linear).
        ConfigJson embd = json.childOrEmpty("embd_layer");
        embd.requireValue("embedding_cls", "image", "image");
        embd.requireValue("use_hd_transform", false, true);
        embd.requireValue("with_learnable_separator", false, true);
        embd.requireValue("hd_transform_order", "glb_sub", "sub_glb");
        embd.requireValue("projection_cls", "linear", "mlp");
        ConfigJson img = json.child("img_processor");
        if (img != null) {
            img.requireValue("name", "clip_vision_model", "clip_vision_model");
            img.requireValue("layer_idx", -2, -2);
            img.requireValue("type_feature", "patch", "patch");
            img.requireValue("num_img_tokens", 144, 144);
            ConfigJson vision = img.child("vision_config");
            if (vision != null) {
                vision.requireValue("hidden_act", "quick_gelu", "quick_gelu");
                vision.requireValue("image_size", 224, 336);
                vision.requireValue("patch_size", 32, 14);
                vision.requireValue("num_channels", 3, 3);
            }
        }
    }

    private static RopeScaling ropeScaling(ConfigJson json, int headDim) {
        ConfigJson rope = json.child("rope_scaling");
        if (rope == null) {
            return RopeScaling.none(headDim / 2);
        }
        String type = rope.has("type") ? rope.requireString("type") : rope.optString("rope_type", null);
        if (type == null) {
            throw new CheckpointException("config file " + json.file() + " has no value for required key "
                    + rope.key("type"));
        }
        if (!type.equals("su") && !type.equals("longrope")) {
            throw rope.error("type", "is " + type + "; only su/longrope scaling is supported");
        }
        float[] shortFactor = rope.requireFloatArray("short_factor");
        float[] longFactor = rope.requireFloatArray("long_factor");
        if (shortFactor.length != headDim / 2) {
            throw rope.error("short_factor", "has " + shortFactor.length + " values, expected head_dim/2 = "
                    + headDim / 2);
        }
        if (longFactor.length != headDim / 2) {
            throw rope.error("long_factor", "has " + longFactor.length + " values, expected head_dim/2 = "
                    + headDim / 2);
        }
        return new RopeScaling(type, shortFactor, longFactor);
    }

    public int headDim() {
        return hiddenSize / numAttentionHeads;
    }

    /**
     * LongRoPE's attention magnitude correction applied to cos/sin:
     * sqrt(1 + ln(max/orig) / ln(orig)), or 1 when the context is not extended or RoPE is unscaled.
     */
    public double ropeMagnitude() {
        if (!ropeScaling.isScaled() || maxPositionEmbeddings <= originalMaxPositionEmbeddings) {
            return 1.0;
        }
        double scale = (double) maxPositionEmbeddings / originalMaxPositionEmbeddings;
        return Math.sqrt(1 + Math.log(scale) / Math.log(originalMaxPositionEmbeddings));
    }
}
