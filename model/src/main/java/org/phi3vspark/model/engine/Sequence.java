package org.phi3vspark.model.engine;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.phi3vspark.model.generate.FinishReason;
import org.phi3vspark.model.generate.GenerationConfig;
import org.phi3vspark.model.generate.GenerationRequest;
import org.phi3vspark.model.generate.GenerationResult;
import org.phi3vspark.model.generate.NonFiniteLogitsException;
import org.phi3vspark.model.generate.Sampler;
import org.phi3vspark.model.image.ProcessedImage;
import org.phi3vspark.model.nn.KvCache;
import org.phi3vspark.model.text.Phi3Tokenizer;

/**
 * One request in the engine: waiting, then prefilling (its shared prefix, then its own suffix, straight into its
 * row of the running batch, or into a staging row when it takes several steps), then decoding in a row of the
 * running batch, then done. Holds the tokens so far, why it stopped, and
 * the time the model spent on it.
 */
final class Sequence<T> {
    final int id; // submission order in the engine
    final T tag;
    final GenerationRequest request;
    final List<ImageKey> images;
    final int promptLength;
    /** Prompt positions before the suffix: everything up to and including the last image block (0 = none). */
    final int prefixLength;
    final boolean longPrompt; // prefilled with the long RoPE factors
    private final Sampler sampler;

    PrefixCache.Entry prefix; // the shared prefix it copies, or null
    boolean reusedPrefix; // the prefix was computed for another request
    boolean mayStage; // admitted while others decode: its prompt may take several steps, in a staging row
    boolean inPlace; // prefilled straight into its row of the running batch, within one step
    KvCache staging; // [1, promptLength] while a prompt that takes several steps is prefilled
    PrefillJob job; // its suffix prefill, once started

    long[] generated = new long[0];
    int cached; // tokens in its cache row
    boolean longFactors;
    FinishReason finishReason;
    private String stopText; // text already cut at a stop string
    long prefillNanos;
    long decodeStartNanos = -1; // when it joined the running batch (-1 = never)
    long endNanos;

    Sequence(int id, T tag, GenerationRequest request, boolean longPrompt) {
        this.id = id;
        this.tag = tag;
        this.request = request;
        this.sampler = new Sampler(request.config());
        this.promptLength = request.prompt().length();
        this.longPrompt = longPrompt;
        this.longFactors = longPrompt;
        List<ImageKey> keys = new ArrayList<>();
        for (ProcessedImage image : request.images()) {
            keys.add(new ImageKey(image));
        }
        this.images = List.copyOf(keys);
        this.prefixLength = images.isEmpty() ? 0 : endOfLastImage(request.prompt().inputIds());
    }

    private static int endOfLastImage(long[] ids) {
        int end = ids.length;
        while (end > 0 && ids[end - 1] >= 0) {
            end--;
        }
        return end < ids.length ? end : 0; // the suffix must keep at least one token to give the first logits
    }

    /** Tokens its row of the running batch must hold: the prompt and every token it may generate. */
    int need() {
        return promptLength + request.config().maxNewTokens();
    }

    PrefixKey prefixKey() {
        return new PrefixKey(Arrays.copyOf(request.prompt().inputIds(), prefixLength), images, longPrompt);
    }

    long lastToken() {
        return generated[generated.length - 1];
    }

    boolean finished() {
        return finishReason != null;
    }

    /** Its prompt is prefilled into its staging row and its first token chosen, and it goes on. */
    boolean readyToJoin() {
        return staging != null && job == null && !finished();
    }

    /** Applies the request's logits hook, picks the next token and decides whether the sequence stops. */
    void accept(float[] logits, Phi3Tokenizer tokenizer) {
        requireFinite(logits);
        request.logitsProcessor().process(generated.clone(), logits);
        long token = sampler.next(logits);
        generated = Arrays.copyOf(generated, generated.length + 1);
        generated[generated.length - 1] = token;
        GenerationConfig config = request.config();
        if (config.isStopId(token)) {
            finishReason = FinishReason.STOP;
        } else if (!config.stopStrings().isEmpty() && cutAtStopString(tokenizer)) {
            finishReason = FinishReason.STOP;
        } else if (generated.length >= config.maxNewTokens()) {
            finishReason = FinishReason.LENGTH;
        }
        if (finishReason != null) {
            endNanos = System.nanoTime();
        }
    }

    /** Non-finite logits mean a broken model (fp16 overflow, corrupt weights): never decode them as a token. */
    private void requireFinite(float[] logits) {
        for (int i = 0; i < logits.length; i++) {
            if (!Float.isFinite(logits[i])) {
                throw new NonFiniteLogitsException(id, generated.length,
                        (Float.isNaN(logits[i]) ? "NaN" : "infinite") + " at token id " + i);
            }
        }
    }

    private boolean cutAtStopString(Phi3Tokenizer tokenizer) {
        String text = tokenizer.decode(generated);
        int cut = -1;
        for (String stop : request.config().stopStrings()) {
            int at = text.indexOf(stop);
            if (at >= 0 && (cut < 0 || at < cut)) {
                cut = at;
            }
        }
        if (cut < 0) {
            return false;
        }
        stopText = text.substring(0, cut);
        return true;
    }

    GenerationResult result(Phi3Tokenizer tokenizer) {
        // a sequence that ended on its first token (out of its prefill) never decoded
        double decodeMillis = decodeStartNanos < 0 ? 0 : (endNanos - decodeStartNanos) / 1e6;
        String text = stopText != null ? stopText : tokenizer.decode(generated);
        return new GenerationResult(text, generated, finishReason, promptLength, request.prompt().imageTokenCount(),
                prefillNanos / 1e6, decodeMillis, reusedPrefix ? prefixLength : 0);
    }
}
