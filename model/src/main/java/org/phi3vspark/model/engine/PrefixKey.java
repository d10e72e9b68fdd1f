package org.phi3vspark.model.engine;

import java.util.Arrays;
import java.util.List;

/**
 * What makes two prompts' prefixes share one KV cache: the same token ids (image placeholders included), the
 * same images by content, and the same RoPE factor set (a prompt longer than original_max_position_embeddings
 * is prefilled with the long factors from its first token).
 */
final class PrefixKey {
    private final long[] ids;
    private final List<ImageKey> images;
    private final boolean longFactors;
    private final int hash;

    PrefixKey(long[] ids, List<ImageKey> images, boolean longFactors) {
        this.ids = ids;
        this.images = List.copyOf(images);
        this.longFactors = longFactors;
        this.hash = 31 * (31 * Arrays.hashCode(ids) + this.images.hashCode()) + Boolean.hashCode(longFactors);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof PrefixKey other && other.hash == hash && other.longFactors == longFactors
                && Arrays.equals(other.ids, ids) && other.images.equals(images);
    }

    @Override
    public int hashCode() {
        return hash;
    }
}
