package org.phi3vspark.model.generate;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.phi3vspark.model.image.ProcessedImage;
import org.phi3vspark.model.nn.ImageEmbedding;
import org.phi3vspark.model.nn.KvCache;
import org.phi3vspark.model.nn.Phi3Decoder;
import org.phi3vspark.model.text.Phi3Tokenizer;

/**
 * The decode loop for a batch of requests. Each request is prefilled on its own (its images and prompt
 * length are its own), into its row of one shared {@link KvCache}; then all unfinished sequences advance
 * together, one token per step, each at its own position with its own RoPE factor set. A finished
 * sequence leaves the batch. Every intermediate NDArray lives in an {@link NDScope} of its step.
 *
 * <p>LongRoPE: when a sequence first grows past original_max_position_embeddings, its cache (built with
 * the short factors) is recomputed with the long factors before the step, as the reference does.
 */
public final class Generator {
    private final Phi3Decoder decoder;
    private final ImageEmbedding imageEmbedding;
    private final Phi3Tokenizer tokenizer;

    public Generator(Phi3Decoder decoder, ImageEmbedding imageEmbedding, Phi3Tokenizer tokenizer) {
        this.decoder = decoder;
        this.imageEmbedding = imageEmbedding;
        this.tokenizer = tokenizer;
    }

    /** Per-sequence state while it is being generated. */
    private static final class Sequence {
        final GenerationRequest request;
        final int index; // in the batch passed to generate, for NonFiniteLogitsException
        final Sampler sampler;
        NDArray promptEmbeddings; // [L, H], kept for a long-RoPE recompute
        long[] generated = new long[0];
        int cached; // tokens in this sequence's cache row
        boolean longFactors;
        FinishReason finishReason;
        String stopText; // text already cut at a stop string
        double prefillMillis;
        long decodeStartNanos;
        long endNanos;

        Sequence(GenerationRequest request, int index) {
            this.request = request;
            this.index = index;
            this.sampler = new Sampler(request.config());
        }

        int promptLength() {
            return request.prompt().inputIds().length;
        }

        long lastToken() {
            return generated[generated.length - 1];
        }
    }

    public List<GenerationResult> generate(NDManager parent, List<GenerationRequest> requests) {
        if (requests.isEmpty()) {
            return List.of();
        }
        try (NDManager manager = parent.newSubManager()) {
            List<Sequence> sequences = new ArrayList<>();
            int capacity = 0;
            for (GenerationRequest request : requests) {
                sequences.add(new Sequence(request, sequences.size()));
                capacity = Math.max(capacity, request.prompt().inputIds().length + request.config().maxNewTokens());
            }
            try (KvCache cache = new KvCache(manager, decoder.numLayers(), sequences.size(),
                    decoder.numKeyValueHeads(), capacity, decoder.headDim(), decoder.dtype())) {
                for (int row = 0; row < sequences.size(); row++) {
                    prefill(manager, cache, row, sequences.get(row));
                }
                long decodeStart = System.nanoTime(); // decode time excludes the other requests' prefills
                sequences.forEach(s -> s.decodeStartNanos = decodeStart);
                List<Sequence> active = new ArrayList<>(sequences);
                while (true) {
                    List<Sequence> still = active.stream().filter(s -> s.finishReason == null).toList();
                    if (still.isEmpty()) {
                        break;
                    }
                    if (still.size() != active.size()) {
                        int[] keep = new int[still.size()];
                        for (int i = 0; i < keep.length; i++) {
                            keep[i] = active.indexOf(still.get(i));
                        }
                        cache.keepRows(keep);
                        active = still;
                    }
                    decodeStep(manager, cache, active);
                }
            }
            List<GenerationResult> results = new ArrayList<>();
            for (Sequence s : sequences) {
                results.add(result(s));
            }
            return results;
        }
    }

    /** Vision tower + prompt forward for one sequence into its cache row; picks the first token. */
    private void prefill(NDManager manager, KvCache cache, int row, Sequence s) {
        long started = System.nanoTime();
        float[] logits;
        try (NDScope scope = new NDScope()) {
            NDArray embeddings = inputEmbeddings(manager, s.request);
            NDScope.unregister(embeddings);
            s.promptEmbeddings = embeddings;
            s.longFactors = decoder.rope().usesLongFactors(s.promptLength());
            logits = lastLogits(forwardPrefix(manager, cache, row, embeddings, s.longFactors));
            scope.suppressNotUsedWarning();
        }
        s.cached = s.promptLength();
        s.prefillMillis = (System.nanoTime() - started) / 1e6;
        accept(s, logits);
    }

    /**
     * Logits of the prompt at the given positions, [positions.length][vocab], from a fresh prefill: for
     * --dump-logits and for comparing against reference logits.
     */
    public float[][] promptLogits(NDManager parent, GenerationRequest request, int[] positions) {
        try (NDManager manager = parent.newSubManager();
                KvCache cache = new KvCache(manager, decoder.numLayers(), 1, decoder.numKeyValueHeads(),
                        request.prompt().inputIds().length, decoder.headDim(), decoder.dtype())) {
            NDArray embeddings = inputEmbeddings(manager, request);
            boolean longFactors = decoder.rope().usesLongFactors(request.prompt().inputIds().length);
            NDArray hidden = forwardPrefix(manager, cache, 0, embeddings, longFactors);
            float[][] rows = new float[positions.length][];
            for (int i = 0; i < positions.length; i++) {
                rows[i] = decoder.logits(hidden.get(positions[i])).toFloatArray();
            }
            return rows;
        }
    }

    /** Runs T tokens of one sequence from position 0, writing its cache row; returns hidden [T, H]. */
    private NDArray forwardPrefix(NDManager manager, KvCache cache, int row, NDArray embeddings, boolean longFactors) {
        int t = (int) embeddings.getShape().get(0);
        return decoder.forward(embeddings.expandDims(0), cache, row, new int[] {0}, new boolean[] {longFactors}, t,
                causalMask(manager, t)).get(0);
    }

    private float[] lastLogits(NDArray hidden) {
        long t = hidden.getShape().get(0);
        return decoder.logits(hidden.get(t - 1)).toFloatArray();
    }

    /** One new token for every active sequence, batched. */
    private void decodeStep(NDManager manager, KvCache cache, List<Sequence> active) {
        int b = active.size();
        float[][] logits = new float[b][];
        try (NDScope scope = new NDScope()) {
            for (int row = 0; row < b; row++) {
                Sequence s = active.get(row);
                if (!s.longFactors && decoder.rope().usesLongFactors(s.cached + 1)) {
                    recomputeWithLongFactors(manager, cache, row, s);
                }
            }
            long[] tokens = new long[b];
            int[] positions = new int[b];
            boolean[] longFactors = new boolean[b];
            int keyLength = 0;
            for (int row = 0; row < b; row++) {
                Sequence s = active.get(row);
                tokens[row] = s.lastToken();
                positions[row] = s.cached;
                longFactors[row] = s.longFactors;
                keyLength = Math.max(keyLength, s.cached + 1);
            }
            NDArray x = decoder.embed(manager, tokens).expandDims(1); // [B, 1, H]
            NDArray hidden = decoder.forward(x, cache, 0, positions, longFactors, keyLength,
                    stepMask(manager, positions, keyLength));
            NDArray all = decoder.logits(hidden.squeeze(1)); // [B, vocab]
            float[] flat = all.toFloatArray();
            int vocab = (int) all.getShape().get(1);
            for (int row = 0; row < b; row++) {
                logits[row] = Arrays.copyOfRange(flat, row * vocab, (row + 1) * vocab);
            }
            scope.suppressNotUsedWarning();
        }
        for (int row = 0; row < b; row++) {
            Sequence s = active.get(row);
            s.cached++;
            accept(s, logits[row]);
        }
    }

    /** Rebuilds a sequence's cache row over all its cached tokens with the long factors (inside a step scope). */
    private void recomputeWithLongFactors(NDManager manager, KvCache cache, int row, Sequence s) {
        long[] earlier = Arrays.copyOf(s.generated, s.generated.length - 1);
        NDArray embeddings = earlier.length == 0
                ? s.promptEmbeddings
                : NDArrays.concat(new NDList(s.promptEmbeddings, decoder.embed(manager, earlier)), 0);
        s.longFactors = true;
        forwardPrefix(manager, cache, row, embeddings, true);
    }

    /** Applies the request's logits hook, picks the next token and decides whether the sequence stops. */
    private void accept(Sequence s, float[] logits) {
        GenerationRequest request = s.request;
        for (float v : logits) {
            if (!Float.isFinite(v)) {
                // Sampling NaN or infinite logits would emit garbage tokens as if all were well.
                throw new NonFiniteLogitsException(s.index, s.generated.length, "first non-finite value " + v);
            }
        }
        request.logitsProcessor().process(s.generated.clone(), logits);
        long token = s.sampler.next(logits);
        s.generated = Arrays.copyOf(s.generated, s.generated.length + 1);
        s.generated[s.generated.length - 1] = token;
        GenerationConfig config = request.config();
        if (config.isStopId(token)) {
            s.finishReason = FinishReason.STOP;
        } else if (!config.stopStrings().isEmpty() && cutAtStopString(s)) {
            s.finishReason = FinishReason.STOP;
        } else if (s.generated.length >= config.maxNewTokens()) {
            s.finishReason = FinishReason.LENGTH;
        }
        if (s.finishReason != null) {
            s.endNanos = System.nanoTime();
        }
    }

    private boolean cutAtStopString(Sequence s) {
        String text = tokenizer.decode(s.generated);
        int cut = -1;
        for (String stop : s.request.config().stopStrings()) {
            int at = text.indexOf(stop);
            if (at >= 0 && (cut < 0 || at < cut)) {
                cut = at;
            }
        }
        if (cut < 0) {
            return false;
        }
        s.stopText = text.substring(0, cut);
        return true;
    }

    private GenerationResult result(Sequence s) {
        // a sequence that ended on its first token (during prefill) spent no time decoding
        double decodeMillis = Math.max(0, s.endNanos - s.decodeStartNanos) / 1e6;
        String text = s.stopText != null ? s.stopText : tokenizer.decode(s.generated);
        return new GenerationResult(text, s.generated, s.finishReason, s.promptLength(),
                s.request.prompt().imageTokenCount(), s.prefillMillis, decodeMillis);
    }

    /**
     * Token embeddings with every image block replaced by that image's features, images taken in order.
     * Returns [L, H].
     */
    public NDArray inputEmbeddings(NDManager manager, GenerationRequest request) {
        long[] ids = request.prompt().inputIds();
        List<ProcessedImage> images = request.images();
        NDList parts = new NDList();
        int image = 0;
        int i = 0;
        while (i < ids.length) {
            int j = i;
            if (ids[i] >= 0) {
                while (j < ids.length && ids[j] >= 0) {
                    j++;
                }
                parts.add(decoder.embed(manager, Arrays.copyOfRange(ids, i, j)));
            } else {
                while (j < ids.length && ids[j] == ids[i]) {
                    j++;
                }
                if (image >= images.size()) {
                    throw new IllegalArgumentException("prompt has more image blocks than the " + images.size()
                            + " image(s) given");
                }
                ProcessedImage processed = images.get(image++);
                if (processed.numImgTokens() != j - i) {
                    throw new IllegalArgumentException("image block " + image + " has " + (j - i)
                            + " placeholders but the image has " + processed.numImgTokens() + " tokens");
                }
                parts.add(imageEmbedding.embed(manager, processed));
            }
            i = j;
        }
        return parts.size() == 1 ? parts.get(0) : NDArrays.concat(parts, 0);
    }

    /** [1, 1, T, T] additive causal mask: 0 on and below the diagonal, the dtype's lowest value above. */
    private NDArray causalMask(NDManager manager, int t) {
        NDArray positions = manager.arange(t);
        NDArray closed = positions.reshape(1, t).gt(positions.reshape(t, 1));
        return closed.toType(decoder.dtype(), false).mul(Phi3Decoder.maskValue(decoder.dtype()))
                .toDevice(decoder.device(), false).reshape(1, 1, t, t);
    }

    /** [B, 1, 1, S] additive mask of a decode step: row b sees positions 0 .. positions[b]. */
    private NDArray stepMask(NDManager manager, int[] positions, int keyLength) {
        float closed = Phi3Decoder.maskValue(decoder.dtype());
        float[] mask = new float[positions.length * keyLength];
        for (int row = 0; row < positions.length; row++) {
            for (int j = positions[row] + 1; j < keyLength; j++) {
                mask[row * keyLength + j] = closed;
            }
        }
        return manager.create(mask, new Shape(positions.length, 1, 1, keyLength))
                .toType(decoder.dtype(), false);
    }
}
