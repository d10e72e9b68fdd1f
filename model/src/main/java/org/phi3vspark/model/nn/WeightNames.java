package org.phi3vspark.model.nn;

/**
 * Every Hugging Face tensor name of Phi-3.5-vision-instruct, in one place. Shapes are noted as stored
 * ([out, in] for linear layers).
 */
public final class WeightNames {
    private WeightNames() {}

    // ---- text decoder
    public static final String EMBED_TOKENS = "model.embed_tokens.weight"; // [vocab, H]
    public static final String FINAL_NORM = "model.norm.weight"; // [H]
    public static final String LM_HEAD = "lm_head.weight"; // [vocab, H]

    static String decoder(int layer, String leaf) {
        return "model.layers." + layer + "." + leaf;
    }

    static String inputNorm(int l) { return decoder(l, "input_layernorm.weight"); } // [H]
    static String qkvProj(int l) { return decoder(l, "self_attn.qkv_proj.weight"); } // [(heads + 2·kvHeads)·d, H]
    static String oProj(int l) { return decoder(l, "self_attn.o_proj.weight"); } // [H, H]
    static String postAttentionNorm(int l) { return decoder(l, "post_attention_layernorm.weight"); } // [H]
    static String gateUpProj(int l) { return decoder(l, "mlp.gate_up_proj.weight"); } // [2·I, H]
    static String downProj(int l) { return decoder(l, "mlp.down_proj.weight"); } // [H, I]

    // ---- image embedding: HD separators and projector
    static final String IMAGE_EMBED = "model.vision_embed_tokens.";
    static final String GLB_GN = IMAGE_EMBED + "glb_GN"; // [1, 1, 4C]
    static final String SUB_GN = IMAGE_EMBED + "sub_GN"; // [1, 1, 1, 4C]
    static final String PROJ_0_W = IMAGE_EMBED + "img_projection.0.weight"; // [H, 4C]
    static final String PROJ_0_B = IMAGE_EMBED + "img_projection.0.bias"; // [H]
    static final String PROJ_2_W = IMAGE_EMBED + "img_projection.2.weight"; // [H, H]
    static final String PROJ_2_B = IMAGE_EMBED + "img_projection.2.bias"; // [H]
    /** Same module object as {@link #EMBED_TOKENS} in the original; tolerated if a checkpoint stores it. */
    static final String WTE_ALIAS = IMAGE_EMBED + "wte.weight";

    // ---- CLIP vision tower
    static final String CLIP = IMAGE_EMBED + "img_processor.vision_model.";
    static final String CLASS_EMBEDDING = CLIP + "embeddings.class_embedding"; // [C]
    static final String PATCH_EMBEDDING = CLIP + "embeddings.patch_embedding.weight"; // [C, 3, p, p]
    static final String POSITION_EMBEDDING = CLIP + "embeddings.position_embedding.weight"; // [1 + n², C]
    static final String POSITION_IDS = CLIP + "embeddings.position_ids"; // old buffer, ignored
    static final String PRE_NORM_W = CLIP + "pre_layrnorm.weight"; // [C] (sic: HF spelling)
    static final String PRE_NORM_B = CLIP + "pre_layrnorm.bias";
    static final String POST_NORM_PREFIX = CLIP + "post_layernorm."; // stored, unused

    static String clipLayerPrefix(int layer) {
        return CLIP + "encoder.layers." + layer + ".";
    }

    static String clip(int layer, String leaf) {
        return clipLayerPrefix(layer) + leaf;
    }

    /**
     * Tensors a real checkpoint carries that the model deliberately does not use: CLIP's last encoder
     * layer and post_layernorm (features come from hidden_states[-2]), the old position_ids buffer and
     * the wte alias of the token embedding.
     */
    public static boolean isKnownUnused(String name, int clipLayers) {
        return name.startsWith(POST_NORM_PREFIX)
                || name.startsWith(clipLayerPrefix(clipLayers - 1))
                || name.equals(POSITION_IDS)
                || name.equals(WTE_ALIAS);
    }
}
