package org.phi3vspark.model.engine;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.List;
import org.phi3vspark.model.generate.GenerationRequest;
import org.phi3vspark.model.nn.ImageEmbedding;
import org.phi3vspark.model.nn.KvCache;
import org.phi3vspark.model.nn.Phi3Decoder;
import org.phi3vspark.model.text.Phi3Tokenizer;

/**
 * Continuous batching over one model. Requests are {@link #submit submitted} with a tag and wait in a queue;
 * each {@link #step} admits waiting requests while the KV budget and {@code maxRunning} allow, prefills the
 * admitted ones (at most {@code prefillChunk} prompt tokens while others decode), and advances every decoding
 * sequence by one token. A sequence that finishes leaves the running batch at once and its row goes to the
 * next one; results come back from {@code step} as they finish, in any order.
 *
 * <p>Prefills: a prompt with images is split after its last image block. The part up to there (chat template
 * head, image blocks) is a shared prefix: requests with the same tokens and the same images by content (every
 * task of an item) compute its keys and values once, in a cache entry, and copy them; each request then
 * prefills only its own suffix, at positions after the prefix, which attend to the copied ones exactly as in a
 * whole prefill. Vision features are cached per image content and num_crops. A prompt whose prefill fits the
 * step is prefilled straight into its row of the running batch; one that takes several steps (admitted while
 * others decode) goes into a staging row of its own, copied into the batch when its first token is out.
 *
 * <p>Memory: every KV cache (running batch, staging rows, shared prefixes) is counted ({@link KvMemory});
 * a request is admitted only if what all admitted requests may need, growth of the batch included, fits the
 * budget, evicting unused prefixes first. The running batch grows a layer at a time and is freed when nothing
 * decodes. Layer working memory is bounded separately (each layer in its own scope, attention in blocks).
 *
 * <p>Failures are per request ({@link Completion#failure}): a failing prefill fails its request (and, for a
 * shared prefix, every request waiting on it), non-finite logits fail their sequence, a failing decode step
 * fails every sequence in it. Not thread-safe: one thread drives an engine.
 *
 * @param <T> what the caller tags requests with, to recognise their completions
 */
public final class GenerationEngine<T> implements AutoCloseable {
    /** Images whose vision features stay cached: an item's images across its tasks, with room to spare. */
    static final int CACHED_IMAGES = 16;

    private final Phi3Decoder decoder;
    private final Phi3Tokenizer tokenizer;
    private final EngineOptions options;
    private final NDManager manager;
    private final KvCache.Layout layout;
    private final KvMemory memory = new KvMemory();
    private final ImageFeatureCache features;
    private final PromptEmbedder embedder;
    private final PrefixCache prefixes = new PrefixCache();
    private final Deque<Sequence<T>> waiting = new ArrayDeque<>();
    private final List<Sequence<T>> prefilling = new ArrayList<>();
    private final List<Sequence<T>> decoding = new ArrayList<>(); // sequence i decodes in row i of the batch
    private final List<Completion<T>> finished = new ArrayList<>(); // during a step
    private KvCache batch; // rows of the decoding sequences; null while nothing decodes
    private int submitted;
    private long completed;
    private long promptTokens;
    private long reusedPromptTokens;
    private long generatedTokens;

    public GenerationEngine(Phi3Decoder decoder, ImageEmbedding imageEmbedding, Phi3Tokenizer tokenizer,
            NDManager parent, EngineOptions options) {
        this.decoder = decoder;
        this.tokenizer = tokenizer;
        this.options = options;
        this.manager = parent.newSubManager();
        this.layout = decoder.kvLayout();
        this.features = new ImageFeatureCache(imageEmbedding, manager, CACHED_IMAGES);
        this.embedder = new PromptEmbedder(decoder);
    }

    public EngineOptions options() {
        return options;
    }

    /** Queues a request; its completion carries {@code tag}. */
    public void submit(GenerationRequest request, T tag) {
        boolean longPrompt = decoder.rope().usesLongFactors(request.prompt().length());
        waiting.addLast(new Sequence<>(submitted++, tag, request, longPrompt));
    }

    /** Back-pressure: whether the queue is short enough to take more requests (fewer than maxRunning wait). */
    public boolean wantsMore() {
        return waiting.size() < options.maxRunning();
    }

    /** Nothing waits, prefills or decodes. */
    public boolean idle() {
        return waiting.isEmpty() && prefilling.isEmpty() && decoding.isEmpty();
    }

    /** Admits, prefills and decodes one token; returns the requests that finished or failed meanwhile. */
    public List<Completion<T>> step() {
        try {
            admit();
            prefill();
            decode();
        } catch (RuntimeException | OutOfMemoryError e) {
            // the engine's own bookkeeping failed (copying rows, growing the batch): nothing in flight is sound
            failEverythingInFlight(e);
        }
        if (decoding.isEmpty()) {
            releaseBatch();
        }
        List<Completion<T>> out = List.copyOf(finished);
        finished.clear();
        return out;
    }

    public EngineStats stats() {
        return new EngineStats(completed, promptTokens, reusedPromptTokens, generatedTokens, features.encoded(),
                features.reused(), memory.peak(), options.kvBudgetBytes());
    }

    /** NDArrays alive in the engine's memory: caches and in-flight state (for leak tests). */
    int liveArrays() {
        return manager.getManagedArrays().size();
    }

    // ---- admission

    /** Moves waiting requests in order into prefilling while a slot is free and the memory they may need fits. */
    private void admit() {
        while (!waiting.isEmpty() && prefilling.size() + decoding.size() < options.maxRunning()) {
            Sequence<T> s = waiting.peekFirst();
            PrefixKey key = options.sharePrefixes() && s.prefixLength > 0 ? s.prefixKey() : null;
            PrefixCache.Entry shared = key == null ? null : prefixes.acquire(key);
            long newPrefixBytes = key != null && shared == null ? KvCache.bytes(layout, 1, s.prefixLength) : 0;
            while (!fits(s, newPrefixBytes) && prefixes.evictOne()) {
                // unused prefixes make room first
            }
            if (!fits(s, newPrefixBytes)) {
                if (shared != null) {
                    prefixes.release(shared);
                }
                if (!prefilling.isEmpty() || !decoding.isEmpty()) {
                    return; // the head waits for running sequences to leave (first come, first served)
                }
                waiting.removeFirst();
                fail(s, tooLarge(s), true);
                continue;
            }
            waiting.removeFirst();
            s.mayStage = !decoding.isEmpty(); // with nothing decoding, this step prefills it whole, in place
            if (key != null) {
                s.reusedPrefix = shared != null;
                s.prefix = shared != null ? shared
                        : prefixes.create(key, new KvCache(manager, layout, 1, s.prefixLength, memory));
            }
            prefilling.add(s);
        }
    }

    /**
     * Whether admitting {@code s} keeps the worst case within the budget: the batch grown to a row for every
     * admitted sequence at the longest one's need, a staging row for every prompt that may take several steps,
     * the cached prefixes and a new one for {@code s}.
     */
    private boolean fits(Sequence<T> s, long newPrefixBytes) {
        Need need = admittedNeed(s);
        return batchPeak(need.rows(), need.capacity()) + need.stagingBytes() + prefixes.bytes() + newPrefixBytes
                <= options.kvBudgetBytes();
    }

    /** What the admitted sequences may need at once: a batch row each, the longest row, the staging rows. */
    private record Need(int rows, int capacity, long stagingBytes) {
    }

    /** The admitted sequences' need, with {@code candidate} admitted too when it is not null. */
    private Need admittedNeed(Sequence<T> candidate) {
        int rows = prefilling.size() + decoding.size();
        int capacity = 0;
        long staging = 0;
        if (candidate != null) {
            rows++;
            capacity = candidate.need();
            // admitted now it may take several steps, in a staging row, only if others decode
            staging = decoding.isEmpty() ? 0 : KvCache.bytes(layout, 1, candidate.promptLength);
        }
        for (Sequence<T> p : prefilling) {
            capacity = Math.max(capacity, p.need());
            staging += p.mayStage ? KvCache.bytes(layout, 1, p.promptLength) : 0;
        }
        for (Sequence<T> d : decoding) {
            capacity = Math.max(capacity, d.need());
        }
        return new Need(rows, capacity, staging);
    }

    /**
     * The most the running batch holds on its way to {@code rows} × {@code capacity}: as it is when that fits
     * already, else the larger of the old and the new batch plus one layer of it (it grows a layer at a time).
     */
    private long batchPeak(int rows, int capacity) {
        long now = batch == null ? 0 : batch.bytes();
        if (batch != null && batch.rows() >= rows && batch.capacity() >= capacity) {
            return now;
        }
        long larger = Math.max(now, KvCache.bytes(layout, rows, capacity));
        return larger + larger / layout.layers();
    }

    private IllegalArgumentException tooLarge(Sequence<T> s) {
        long alone = batchPeak(1, s.need()) + KvCache.bytes(layout, 1, s.prefixLength);
        return new IllegalArgumentException("the request needs " + mib(alone) + " MiB of KV cache (a row of "
                + s.need() + " tokens: prompt " + s.promptLength + " + max_new_tokens "
                + s.request.config().maxNewTokens() + ", and its prefill), more than the KV budget of "
                + mib(options.kvBudgetBytes()) + " MiB");
    }

    private static long mib(long bytes) {
        return (bytes + (1 << 20) - 1) >> 20;
    }

    // ---- prefill

    /**
     * Prefills admitted sequences in order: at most prefillChunk tokens while others decode, else all of them. A
     * prompt that fits what is left of the step goes straight into the next row of the batch; one that does not
     * goes into a staging row and joins the batch when done. Making room in the batch is the batch's failure, not
     * the sequence's.
     */
    private void prefill() {
        int budget = decoding.isEmpty() ? Integer.MAX_VALUE : options.prefillChunk();
        for (Sequence<T> s : List.copyOf(prefilling)) {
            if (budget <= 0) {
                return;
            }
            if (!prefilling.contains(s)) {
                continue; // failed with the prefix it shared
            }
            long started = System.nanoTime();
            if (s.job == null && s.staging == null && remainingPrefill(s) <= budget) {
                placeInBatch(s);
            }
            try {
                budget -= advance(s, budget);
            } catch (RuntimeException | OutOfMemoryError e) {
                failPrefill(s, e);
            }
            if (s.readyToJoin()) {
                join(s);
            }
            s.prefillNanos += System.nanoTime() - started;
        }
    }

    /**
     * Up to {@code budget} tokens of s's prefill: its shared prefix if nobody computed it yet, then its own suffix
     * into its staging row. When the suffix is done its first token is chosen (and a sequence that already stops
     * leaves). Returns the tokens prefilled.
     */
    private int advance(Sequence<T> s, int budget) {
        int used = 0;
        PrefixCache.Entry prefix = s.prefix;
        if (prefix != null && !prefix.ready) {
            if (prefix.job == null) {
                prefix.job = new PrefillJob(prefix.cache, 0, embed(s, 0, s.prefixLength), 0, s.longPrompt);
            }
            used += prefix.job.run(decoder, budget);
            if (!prefix.job.done()) {
                return used;
            }
            prefix.job = null;
            prefix.ready = true;
        }
        if (s.job == null) {
            if (used >= budget) {
                return used;
            }
            startSuffix(s);
        }
        used += s.job.run(decoder, budget - used);
        if (s.job.done()) {
            float[] logits = s.job.lastLogits();
            s.job = null;
            s.cached = s.promptLength;
            s.accept(logits, tokenizer);
            if (s.finished()) {
                prefilling.remove(s);
                finish(s);
            } else if (s.inPlace) {
                startDecoding(s); // in the row it was prefilled in: the next one, no other joined since
            }
        }
        return used;
    }

    /** Prompt tokens s still has to prefill, its shared prefix included if nobody has computed it yet. */
    private int remainingPrefill(Sequence<T> s) {
        PrefixCache.Entry prefix = s.prefix;
        int own = s.promptLength - (prefix == null ? 0 : s.prefixLength);
        if (prefix == null || prefix.ready) {
            return own;
        }
        return own + (prefix.job == null ? s.prefixLength : prefix.job.remaining());
    }

    /** Gives s the next row of the batch (growing the batch if needed), to prefill in place within this step. */
    private void placeInBatch(Sequence<T> s) {
        makeRoomFor(s);
        s.inPlace = true;
    }

    /** Grows the batch if it has no free row for s at s's need. */
    private void makeRoomFor(Sequence<T> s) {
        if (batch == null || batch.rows() <= decoding.size() || batch.capacity() < s.need()) {
            growBatch();
        }
    }

    /** s leaves prefilling and decodes in the next row of the batch. */
    private void startDecoding(Sequence<T> s) {
        prefilling.remove(s);
        decoding.add(s);
        s.decodeStartNanos = System.nanoTime();
    }

    /**
     * The row s prefills its own suffix into, holding the shared prefix (copied) first: its row of the batch, or a
     * staging row; and the job for the suffix.
     */
    private void startSuffix(Sequence<T> s) {
        KvCache target = s.inPlace ? batch : (s.staging = new KvCache(manager, layout, 1, s.promptLength, memory));
        int row = s.inPlace ? decoding.size() : 0;
        int from = 0;
        if (s.prefix != null) {
            target.copyRow(s.prefix.cache, 0, row, s.prefixLength);
            from = s.prefixLength;
            releasePrefix(s);
        }
        s.job = new PrefillJob(target, row, embed(s, from, s.promptLength), from, s.longPrompt);
    }

    /** Input rows of prompt positions [from, to) of s. */
    private NDArray embed(Sequence<T> s, int from, int to) {
        NDArray rows = embedder.embed(manager, s.request, from, to, features);
        features.trim();
        return rows;
    }

    /** Moves s from prefilling into the next row of the batch, growing the batch first if it has no room. */
    private void join(Sequence<T> s) {
        makeRoomFor(s);
        batch.copyRow(s.staging, 0, decoding.size(), s.promptLength);
        closeStaging(s);
        startDecoding(s);
    }

    /**
     * Grows the batch: to a row for every admitted sequence at the longest one's need, or twice the rows (up to
     * maxRunning, and no more than the admitted and waiting requests need) where the budget leaves room, so that a
     * stream of joins does not copy the batch each time, while a lone request gets a lone row.
     */
    private void growBatch() {
        Need need = admittedNeed(null);
        int rows = need.rows();
        int demand = need.rows() + waiting.size();
        int doubled = Math.min(Math.min(options.maxRunning(), demand), 2 * (batch == null ? 1 : batch.rows()));
        if (doubled > rows && batchPeak(doubled, need.capacity()) + need.stagingBytes() + prefixes.bytes()
                <= options.kvBudgetBytes()) {
            rows = doubled;
        }
        if (batch == null) {
            batch = new KvCache(manager, layout, rows, need.capacity(), memory);
        } else {
            batch.resize(rows, need.capacity(), decoding.size());
        }
    }

    // ---- decode

    /** One token for every decoding sequence, batched; finished ones leave, their rows refilled from the end. */
    private void decode() {
        if (decoding.isEmpty()) {
            return;
        }
        for (int row = 0; row < decoding.size(); row++) {
            Sequence<T> s = decoding.get(row);
            if (!s.longFactors && decoder.rope().usesLongFactors(s.cached + 1)) {
                try {
                    recomputeWithLongFactors(row, s);
                } catch (RuntimeException | OutOfMemoryError e) {
                    fail(s, e, alone(s));
                    removeRow(row--);
                }
            }
        }
        if (decoding.isEmpty()) {
            return;
        }
        boolean alone = decoding.size() == 1 && prefilling.isEmpty();
        float[][] logits;
        try {
            logits = decodeForward();
        } catch (RuntimeException | OutOfMemoryError e) {
            for (Sequence<T> s : decoding) {
                fail(s, e, alone);
            }
            decoding.clear();
            return;
        }
        List<Integer> leaving = new ArrayList<>();
        for (int row = 0; row < decoding.size(); row++) {
            Sequence<T> s = decoding.get(row);
            s.cached++;
            try {
                s.accept(logits[row], tokenizer);
                if (s.finished()) {
                    finish(s);
                    leaving.add(row);
                }
            } catch (RuntimeException e) {
                fail(s, e, alone);
                leaving.add(row);
            }
        }
        for (int i = leaving.size() - 1; i >= 0; i--) {
            removeRow(leaving.get(i));
        }
    }

    /** The batch's next-token logits, [B][vocab] float32. */
    private float[][] decodeForward() {
        int b = decoding.size();
        try (NDScope scope = new NDScope()) {
            long[] tokens = new long[b];
            int[] positions = new int[b];
            boolean[] longFactors = new boolean[b];
            for (int row = 0; row < b; row++) {
                Sequence<T> s = decoding.get(row);
                tokens[row] = s.lastToken();
                positions[row] = s.cached;
                longFactors[row] = s.longFactors;
            }
            NDArray x = decoder.embed(manager, tokens).expandDims(1); // [B, 1, H]
            NDArray hidden = decoder.forward(x, batch, 0, positions, longFactors); // owned by this scope
            NDArray all = decoder.logits(hidden.squeeze(1)); // [B, vocab]
            float[] flat = all.toFloatArray();
            int vocab = (int) all.getShape().get(1);
            float[][] logits = new float[b][];
            for (int row = 0; row < b; row++) {
                logits[row] = Arrays.copyOfRange(flat, row * vocab, (row + 1) * vocab);
            }
            scope.suppressNotUsedWarning();
            return logits;
        }
    }

    /**
     * LongRoPE: a sequence growing past original_max_position_embeddings has its row rebuilt over all its cached
     * tokens with the long factors before the step, as the reference does (its prompt rows are embedded again;
     * the image features usually come from the cache).
     */
    private void recomputeWithLongFactors(int row, Sequence<T> s) {
        try (NDScope scope = new NDScope()) {
            NDArray prompt = embed(s, 0, s.promptLength);
            NDScope.register(prompt);
            long[] earlier = Arrays.copyOf(s.generated, s.generated.length - 1);
            NDArray rows = earlier.length == 0 ? prompt
                    : NDArrays.concat(new NDList(prompt, decoder.embed(manager, earlier)), 0);
            s.longFactors = true;
            decoder.forward(rows.expandDims(0), batch, row, new int[] {0}, new boolean[] {true}); // owned by the scope
            scope.suppressNotUsedWarning();
        }
    }

    /** Removes the sequence of {@code row} from the batch: the last row moves into its place. */
    private void removeRow(int row) {
        int last = decoding.size() - 1;
        if (row != last) {
            Sequence<T> moved = decoding.get(last);
            batch.copyRow(batch, last, row, moved.cached);
            decoding.set(row, moved);
        }
        decoding.remove(last);
    }

    // ---- leaving

    private void finish(Sequence<T> s) {
        release(s);
        completed++;
        promptTokens += s.promptLength;
        generatedTokens += s.generated.length;
        if (s.reusedPrefix) {
            reusedPromptTokens += s.prefixLength;
        }
        finished.add(new Completion<>(s.tag, s.result(tokenizer), null, false));
    }

    private void fail(Sequence<T> s, Throwable e, boolean alone) {
        release(s);
        finished.add(new Completion<>(s.tag, null, e, alone));
    }

    /** A prefill failed: a shared prefix's computation fails every request waiting on it, anything else just s. */
    private void failPrefill(Sequence<T> s, Throwable e) {
        PrefixCache.Entry prefix = s.prefix;
        boolean alone = alone(s);
        if (prefix == null || prefix.ready) {
            prefilling.remove(s);
            fail(s, e, alone);
            return;
        }
        List<Sequence<T>> users = prefilling.stream().filter(p -> p.prefix == prefix).toList();
        prefixes.discard(prefix);
        for (Sequence<T> u : users) {
            u.prefix = null;
            prefilling.remove(u);
            fail(u, e, alone);
        }
    }

    private void failEverythingInFlight(Throwable e) {
        boolean alone = prefilling.size() + decoding.size() == 1;
        List<Sequence<T>> all = new ArrayList<>(prefilling);
        all.addAll(decoding);
        prefilling.clear();
        decoding.clear();
        for (Sequence<T> s : all) {
            PrefixCache.Entry prefix = s.prefix;
            if (prefix != null && !prefix.ready) {
                s.prefix = null;
                prefixes.discard(prefix);
            }
            fail(s, e, alone);
        }
        releaseBatch();
    }

    /** Whether nothing but s is being prefilled or decoded. */
    private boolean alone(Sequence<T> s) {
        int others = prefilling.size() + decoding.size() - (prefilling.contains(s) || decoding.contains(s) ? 1 : 0);
        return others == 0;
    }

    private void release(Sequence<T> s) {
        if (s.job != null) {
            s.job.close();
            s.job = null;
        }
        closeStaging(s);
        releasePrefix(s);
    }

    private void releasePrefix(Sequence<T> s) {
        if (s.prefix != null) {
            prefixes.release(s.prefix);
            s.prefix = null;
        }
    }

    private void closeStaging(Sequence<T> s) {
        if (s.staging != null) {
            s.staging.close();
            s.staging = null;
        }
    }

    private void releaseBatch() {
        if (batch != null) {
            batch.close();
            batch = null;
        }
    }

    /** Frees every cache; requests still queued or running are dropped without a completion. */
    @Override
    public void close() {
        prefilling.forEach(this::release);
        prefilling.clear();
        decoding.clear();
        waiting.clear();
        releaseBatch();
        prefixes.close();
        features.close();
        manager.close();
    }
}
