package org.phi3vspark.model.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.ndarray.types.SparseFormat;
import java.util.ArrayList;
import java.util.List;
import org.phi3vspark.model.config.ModelConfig;

/**
 * The Phi-3 text decoder: pre-norm layers of fused-QKV attention with LongRoPE and a fused gate/up SiLU
 * MLP, a final RMSNorm and the LM head. Works on a batch of rows whose new tokens start at per-row
 * positions, reading and writing a {@link KvCache}.
 */
public final class Phi3Decoder {
    private record Layer(
            NDArray inputNorm, // [H]
            NDArray qkvProj, // [(heads + 2·kvHeads)·d, H]
            NDArray oProj, // [H, heads·d]
            NDArray postAttentionNorm, // [H]
            NDArray gateUpProj, // [2·I, H]
            NDArray downProj) {} // [H, I]

    private final ModelConfig config;
    private final NDArray embedTokens; // [vocab, H]
    private final List<Layer> layers;
    private final NDArray finalNorm; // [H]
    private final NDArray lmHead; // [vocab, H]
    private final LongRope rope;

    private Phi3Decoder(ModelConfig config, NDArray embedTokens, List<Layer> layers, NDArray finalNorm, NDArray lmHead) {
        this.config = config;
        this.embedTokens = embedTokens;
        this.layers = layers;
        this.finalNorm = finalNorm;
        this.lmHead = lmHead;
        this.rope = new LongRope(config);
    }

    public static Phi3Decoder load(ModelConfig config, WeightLoader weights) {
        long h = config.hiddenSize();
        long d = config.headDim();
        long qkvRows = (config.numAttentionHeads() + 2L * config.numKeyValueHeads()) * d;
        long inter = config.intermediateSize();
        List<Layer> layers = new ArrayList<>();
        for (int l = 0; l < config.numHiddenLayers(); l++) {
            layers.add(new Layer(
                    weights.load(WeightNames.inputNorm(l), h),
                    weights.load(WeightNames.qkvProj(l), qkvRows, h),
                    weights.load(WeightNames.oProj(l), h, config.numAttentionHeads() * d),
                    weights.load(WeightNames.postAttentionNorm(l), h),
                    weights.load(WeightNames.gateUpProj(l), 2 * inter, h),
                    weights.load(WeightNames.downProj(l), h, inter)));
        }
        return new Phi3Decoder(config,
                weights.load(WeightNames.EMBED_TOKENS, config.vocabSize(), h),
                layers,
                weights.load(WeightNames.FINAL_NORM, h),
                weights.load(WeightNames.LM_HEAD, config.vocabSize(), h));
    }

    public LongRope rope() {
        return rope;
    }

    public DataType dtype() {
        return embedTokens.getDataType();
    }

    public ai.djl.Device device() {
        return embedTokens.getDevice();
    }

    public int numLayers() {
        return layers.size();
    }

    public int numKeyValueHeads() {
        return config.numKeyValueHeads();
    }

    public int headDim() {
        return config.headDim();
    }

    /** Token embeddings [n, H]; negative ids (image placeholders) read row 0 and are overwritten later. */
    public NDArray embed(NDManager manager, long[] ids) {
        long[] clamped = new long[ids.length];
        for (int i = 0; i < ids.length; i++) {
            clamped[i] = Math.max(0, Math.min(ids[i], config.vocabSize() - 1));
        }
        NDArray index = manager.create(clamped).toDevice(embedTokens.getDevice(), false);
        return index.getNDArrayInternal().embedding(index, embedTokens, SparseFormat.DENSE).singletonOrThrow();
    }

    /**
     * Runs every layer over T new tokens per row. x: [B, T, H] input embeddings; row b's tokens sit at
     * positions start[b] .. start[b] + T − 1 of cache row cacheRow0 + b and attend to all cached positions
     * below keyLength that the additive mask [B, 1, T, keyLength] leaves open.
     * Returns the final-normed hidden states [B, T, H].
     */
    public NDArray forward(NDArray x, KvCache cache, int cacheRow0, int[] start, boolean[] longFactors,
            int keyLength, NDArray mask) {
        NDList cosSin = rope.cosSin(x.getManager(), start, (int) x.getShape().get(1), longFactors, x.getDataType());
        NDArray cos = cosSin.get(0).toDevice(x.getDevice(), false);
        NDArray sin = cosSin.get(1).toDevice(x.getDevice(), false);
        for (int l = 0; l < layers.size(); l++) {
            Layer layer = layers.get(l);
            NDArray attended = attention(layer, l, Layers.rmsNorm(x, layer.inputNorm(), config.rmsNormEps()),
                    cos, sin, cache, cacheRow0, start, keyLength, mask);
            x = x.add(attended);
            x = x.add(mlp(layer, Layers.rmsNorm(x, layer.postAttentionNorm(), config.rmsNormEps())));
        }
        return Layers.rmsNorm(x, finalNorm, config.rmsNormEps());
    }

    /** Logits in float32: lm_head(hidden). hidden: [..., H] → [..., vocab]. */
    public NDArray logits(NDArray hidden) {
        return Layers.linear(hidden, lmHead, null).toType(DataType.FLOAT32, false);
    }

    /** Causal self-attention over the cache. x: [B, T, H] → [B, T, H]. */
    private NDArray attention(Layer layer, int l, NDArray x, NDArray cos, NDArray sin, KvCache cache,
            int cacheRow0, int[] start, int keyLength, NDArray mask) {
        Shape shape = x.getShape();
        long b = shape.get(0);
        long t = shape.get(1);
        int heads = config.numAttentionHeads();
        int kvHeads = config.numKeyValueHeads();
        long d = config.headDim();
        NDArray qkv = Layers.linear(x, layer.qkvProj(), null); // [B, T, (heads + 2·kvHeads)·d]
        NDList parts = qkv.split(new long[] {heads * d, (heads + kvHeads) * d}, 2);
        NDArray q = LongRope.apply(splitHeads(parts.get(0), heads, d), cos, sin); // [B, heads, T, d]
        NDArray k = LongRope.apply(splitHeads(parts.get(1), kvHeads, d), cos, sin); // [B, kvHeads, T, d]
        NDArray v = splitHeads(parts.get(2), kvHeads, d);
        for (int row = 0; row < b; row++) {
            cache.write(l, cacheRow0 + row, start[row], k.get(row), v.get(row));
        }
        NDArray keys = cache.keys(l, cacheRow0, cacheRow0 + (int) b, keyLength); // [B, kvHeads, S, d]
        NDArray values = cache.values(l, cacheRow0, cacheRow0 + (int) b, keyLength);
        if (kvHeads != heads) {
            keys = keys.repeat(1, heads / kvHeads);
            values = values.repeat(1, heads / kvHeads);
        }
        NDArray scores = q.matMul(keys.transpose(0, 1, 3, 2)).div((float) Math.sqrt(d)).add(mask); // [B, heads, T, S]
        NDArray context = Layers.softmaxFloat32(scores).matMul(values); // [B, heads, T, d]
        context = context.transpose(0, 2, 1, 3).reshape(b, t, heads * d); // [B, T, H]
        return Layers.linear(context, layer.oProj(), null);
    }

    private static NDArray splitHeads(NDArray x, long heads, long d) {
        Shape s = x.getShape();
        return x.reshape(s.get(0), s.get(1), heads, d).transpose(0, 2, 1, 3);
    }

    /** down(up · silu(gate)), gate and up fused as rows [gate; up] of gate_up_proj. */
    private NDArray mlp(Layer layer, NDArray x) {
        NDList gateUp = Layers.linear(x, layer.gateUpProj(), null).split(2, 2);
        return Layers.linear(gateUp.get(1).mul(Layers.silu(gateUp.get(0))), layer.downProj(), null);
    }

    /** Lowest value of the dtype, the reference's additive mask for a closed position. */
    public static float maskValue(DataType dtype) {
        return dtype == DataType.FLOAT16 ? -65504f : -Float.MAX_VALUE;
    }
}
