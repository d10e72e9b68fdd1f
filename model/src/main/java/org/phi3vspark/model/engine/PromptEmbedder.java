package org.phi3vspark.model.engine;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import java.util.Arrays;
import java.util.List;
import org.phi3vspark.model.generate.GenerationRequest;
import org.phi3vspark.model.image.ProcessedImage;
import org.phi3vspark.model.nn.Phi3Decoder;

/**
 * Decoder input rows for a span of a prompt: token embeddings, with every image block replaced by that image's
 * features (the k-th block by the k-th image). A span never cuts an image block.
 */
public final class PromptEmbedder {
    private final Phi3Decoder decoder;

    public PromptEmbedder(Phi3Decoder decoder) {
        this.decoder = decoder;
    }

    /** Rows of the whole prompt, [L, H]. */
    public NDArray embed(NDManager manager, GenerationRequest request, ImageFeatureCache features) {
        return embed(manager, request, 0, request.prompt().length(), features);
    }

    /**
     * Rows of prompt positions [from, to), [to − from, H], owned by {@code manager} (not by the caller's scope);
     * temporaries are freed before it returns.
     */
    public NDArray embed(NDManager manager, GenerationRequest request, int from, int to, ImageFeatureCache features) {
        long[] ids = request.prompt().inputIds();
        List<ProcessedImage> images = request.images();
        try (NDScope scope = new NDScope()) {
            NDList parts = new NDList();
            boolean onlyFeatures = true;
            int image = 0;
            int i = 0;
            while (i < to) {
                int j = blockEnd(ids, i);
                if (ids[i] >= 0) {
                    if (j > from) {
                        parts.add(decoder.embed(manager, Arrays.copyOfRange(ids, Math.max(i, from), Math.min(j, to))));
                        onlyFeatures = false;
                    }
                } else {
                    ProcessedImage processed = image(images, image++, j - i);
                    if ((i < from && from < j) || to < j) {
                        throw new IllegalArgumentException("prompt span [" + from + ", " + to + ") cuts image block "
                                + image + " at [" + i + ", " + j + ")");
                    }
                    if (i >= from) {
                        parts.add(features.features(processed));
                    }
                }
                i = j;
            }
            // a lone block of cached features is copied: the cache owns its arrays
            NDArray rows = parts.size() > 1 ? NDArrays.concat(parts, 0)
                    : onlyFeatures ? parts.get(0).duplicate() : parts.get(0);
            NDScope.unregister(rows);
            return rows;
        }
    }

    /** End (exclusive) of the run of equal-kind ids starting at i: text ids, or one image's placeholders. */
    private static int blockEnd(long[] ids, int i) {
        int j = i;
        if (ids[i] >= 0) {
            while (j < ids.length && ids[j] >= 0) {
                j++;
            }
        } else {
            while (j < ids.length && ids[j] == ids[i]) {
                j++;
            }
        }
        return j;
    }

    private static ProcessedImage image(List<ProcessedImage> images, int index, int placeholders) {
        if (index >= images.size()) {
            throw new IllegalArgumentException("prompt has more image blocks than the " + images.size()
                    + " image(s) given");
        }
        ProcessedImage processed = images.get(index);
        if (processed.numImgTokens() != placeholders) {
            throw new IllegalArgumentException("image block " + (index + 1) + " has " + placeholders
                    + " placeholders but the image has " + processed.numImgTokens() + " tokens");
        }
        return processed;
    }
}
