package org.phi3vspark.model.generate.json;

import java.util.Arrays;
import org.phi3vspark.model.generate.LogitsProcessor;

/**
 * Keeps one request's output inside its schema: before each token is chosen, every token whose text would
 * leave the schema's language gets -Infinity, and once the value is complete only {@code <|end|>} remains.
 *
 * <p>Budget: a token is allowed only if the value can still be finished in the tokens left after it (the
 * request's max_new_tokens minus those generated). Far from the limit this removes nothing; near it, the
 * output is steered onto a shortest completion, so a value always ends complete within max_new_tokens when
 * max_new_tokens is at least {@link JsonConstraint#minimumTokens()}. {@link #closedEarly()} tells whether
 * the budget overrode the model's own best choice.
 *
 * <p>The processor follows the ids it is shown: if a call's {@code generated} does not extend what it saw
 * before (a retry of the request), it rebuilds its state from those ids. One processor per request; not
 * thread-safe.
 */
public final class JsonLogitsProcessor implements LogitsProcessor {
    private final JsonConstraint constraint;
    private final JsonTokenClasses classes;
    private final int maxNewTokens;
    private final int endTokenId;
    private final int vocabularySize;
    private long[] seen = new long[64];
    private int seenCount;
    private int state;
    private boolean ended;
    private int leftSchemaAt = -1;
    private boolean closedEarly;
    private int[] kept = new int[64];
    private float[] keptValues = new float[64];

    JsonLogitsProcessor(JsonConstraint constraint, int maxNewTokens) {
        this.constraint = constraint;
        this.classes = constraint.classes();
        this.maxNewTokens = maxNewTokens;
        this.endTokenId = constraint.vocabulary().endTokenId();
        this.vocabularySize = constraint.vocabulary().size();
        this.state = constraint.start();
    }

    @Override
    public void process(long[] generated, float[] logits) {
        catchUp(generated);
        if (ended || leftSchemaAt >= 0) {
            keepOnly(logits, kept, 0, true);
            return;
        }
        StateMask mask = constraint.mask(state);
        int left = maxNewTokens - generated.length - 1; // tokens that may follow the one chosen now
        boolean safeFits = mask.shortestHere() <= left;
        if (mask.maxEndShortest() <= left && (safeFits || !mask.allowsSafeTokens())) {
            if (mask.inString()) {
                maskInString(mask, logits);
            } else {
                keepOnly(logits, mask.tokenIds(), mask.tokenIds().length, mask.endAllowed());
            }
            return;
        }
        steer(mask, left, logits);
    }

    /**
     * Whether the budget overrode the model: at some step it removed a token the schema allowed that scored
     * higher than every token it kept (the one greedy decoding would have taken), to finish in time.
     */
    public boolean closedEarly() {
        return closedEarly;
    }

    /**
     * Whether {@code generatedIds}, the request's output ids ({@code GenerationResult.generatedIds()}, end token
     * included or not), spell a complete value of the schema. The processor catches up with them first: it
     * sees a token only at the call after the one that chose it.
     */
    public boolean complete(long[] generatedIds) {
        catchUp(generatedIds);
        return leftSchemaAt < 0 && constraint.accepting(state);
    }

    /**
     * Whether a token seen so far was one this processor did not allow (a sampler that picked a masked token,
     * or ids replayed from elsewhere); from then on only the end token is allowed.
     */
    public boolean leftSchema() {
        return leftSchemaAt >= 0;
    }

    private void catchUp(long[] generated) {
        boolean extendsSeen = generated.length >= seenCount && Arrays.equals(generated, 0, seenCount, seen, 0,
                seenCount);
        if (!extendsSeen) {
            state = constraint.start();
            seenCount = 0;
            ended = false;
            leftSchemaAt = -1;
            closedEarly = false; // unknown for ids this processor did not choose; it judges the new attempt
        }
        if (generated.length > seen.length) {
            seen = Arrays.copyOf(seen, Math.max(generated.length, seen.length * 2));
        }
        for (int i = seenCount; i < generated.length; i++) {
            consume(generated[i], i);
            seen[i] = generated[i];
        }
        seenCount = generated.length;
    }

    private void consume(long id, int index) {
        if (ended || leftSchemaAt >= 0) {
            return;
        }
        if (id == endTokenId) {
            if (constraint.accepting(state)) {
                ended = true;
            } else {
                leftSchemaAt = index;
            }
            return;
        }
        int next = id >= 0 && id < vocabularySize ? constraint.advance(state, (int) id) : JsonConstraint.DEAD;
        if (next == JsonConstraint.DEAD) {
            leftSchemaAt = index;
        } else {
            state = next;
        }
    }

    /**
     * The budget is tight: keep only tokens after which the value can still be finished in {@code left} tokens
     * (or, when none can, the ones closest to finishing).
     */
    private void steer(StateMask mask, int left, float[] logits) {
        int[] ids = mask.tokenIds();
        int[] ends = mask.endShortest();
        boolean safeKept = mask.allowsSafeTokens() && mask.shortestHere() <= left;
        int count = 0;
        ensureKeptCapacity(ids.length);
        for (int i = 0; i < ids.length; i++) {
            if (ends[i] <= left) {
                kept[count++] = ids[i];
            }
        }
        if (count == 0 && !safeKept && !mask.endAllowed()) {
            int closest = mask.allowsSafeTokens() ? mask.shortestHere() : Integer.MAX_VALUE;
            for (int end : ends) {
                closest = Math.min(closest, end);
            }
            for (int i = 0; i < ids.length; i++) {
                if (ends[i] == closest) {
                    kept[count++] = ids[i];
                }
            }
            safeKept = mask.allowsSafeTokens() && mask.shortestHere() == closest;
        }
        Arrays.sort(kept, 0, count);
        if (!closedEarly) {
            closedEarly = budgetOverridesModel(mask, logits, count, safeKept);
        }
        if (safeKept) {
            maskInString(mask, logits);
            for (int id : ids) {
                if (Arrays.binarySearch(kept, 0, count, id) < 0) {
                    logits[id] = Float.NEGATIVE_INFINITY;
                }
            }
        } else {
            keepOnly(logits, kept, count, mask.endAllowed());
        }
    }

    /**
     * Whether some allowed token that the budget removes beats (as greedy picks) every token it keeps:
     * {@code kept[0 .. keptCount)} (sorted), the end token if allowed, the string-safe tokens if {@code safeKept}.
     */
    private boolean budgetOverridesModel(StateMask mask, float[] logits, int keptCount, boolean safeKept) {
        int best = -1;
        for (int i = 0; i < keptCount; i++) {
            best = better(logits, best, kept[i]);
        }
        if (mask.endAllowed()) {
            best = better(logits, best, endTokenId);
        }
        int[] safe = classes.safeByLength();
        int safeAllowed = mask.allowsSafeTokens() ? classes.safeCountUpTo(mask.safeLimit()) : 0;
        if (safeKept) {
            for (int i = 0; i < safeAllowed; i++) {
                best = better(logits, best, safe[i]);
            }
        }
        for (int id : mask.tokenIds()) {
            if (Arrays.binarySearch(kept, 0, keptCount, id) < 0 && better(logits, best, id) == id) {
                return true;
            }
        }
        if (!safeKept) {
            for (int i = 0; i < safeAllowed; i++) {
                if (better(logits, best, safe[i]) == safe[i]) {
                    return true;
                }
            }
        }
        return false;
    }

    /** The token greedy decoding prefers of two: the higher logit, the lower id on a tie; -1 is no token. */
    private static int better(float[] logits, int a, int b) {
        if (a < 0) {
            return b;
        }
        return logits[b] > logits[a] || logits[b] == logits[a] && b < a ? b : a;
    }

    /**
     * A string body: blocks what the mask does not allow (textless ids, ids past the vocabulary, the disallowed
     * tokens that are not string-safe, the string-safe tokens longer than fit) and leaves the rest as it is.
     */
    private void maskInString(StateMask mask, float[] logits) {
        for (int id : classes.textlessIds()) {
            logits[id] = Float.NEGATIVE_INFINITY;
        }
        Arrays.fill(logits, Math.min(vocabularySize, logits.length), logits.length, Float.NEGATIVE_INFINITY);
        for (int id : mask.blockedOthers()) {
            logits[id] = Float.NEGATIVE_INFINITY;
        }
        int[] safe = classes.safeByLength();
        for (int i = classes.safeCountUpTo(mask.safeLimit()); i < safe.length; i++) {
            logits[safe[i]] = Float.NEGATIVE_INFINITY;
        }
    }

    /** Keeps the logits of {@code ids[0 .. count)} (and of the end token if {@code end}); the rest -Infinity. */
    private void keepOnly(float[] logits, int[] ids, int count, boolean end) {
        if (keptValues.length < count) {
            keptValues = new float[Math.max(count, keptValues.length * 2)];
        }
        for (int i = 0; i < count; i++) {
            keptValues[i] = logits[ids[i]];
        }
        float endValue = logits[endTokenId];
        Arrays.fill(logits, Float.NEGATIVE_INFINITY);
        for (int i = 0; i < count; i++) {
            logits[ids[i]] = keptValues[i];
        }
        if (end) {
            logits[endTokenId] = endValue;
        }
    }

    private void ensureKeptCapacity(int n) {
        if (kept.length < n) {
            kept = Arrays.copyOf(kept, Math.max(n, kept.length * 2));
        }
    }
}
