package org.phi3vspark.model.engine;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import org.phi3vspark.model.image.ProcessedImage;
import org.phi3vspark.model.nn.ImageEmbedding;

/**
 * Vision features [numImgTokens, H] of recently used images, keyed by content ({@link ImageKey}), so that the
 * vision tower runs once per (image, num_crops) however many requests use the image. Holds the most recently used
 * {@code capacity} images (beyond that the least recently used is dropped by {@link #trim}); the arrays belong to
 * the cache: callers copy what they need and never close them.
 */
public final class ImageFeatureCache implements AutoCloseable {
    private final ImageEmbedding embedding;
    private final NDManager manager;
    private final int capacity;
    private final Map<ImageKey, NDArray> entries = new LinkedHashMap<>(16, 0.75f, true);
    private long encoded;
    private long reused;

    public ImageFeatureCache(ImageEmbedding embedding, NDManager manager, int capacity) {
        this.embedding = embedding;
        this.manager = manager;
        this.capacity = capacity;
    }

    /** The image's features, from the cache or the vision tower (whose temporaries are freed here). */
    NDArray features(ImageKey key) {
        NDArray cached = entries.get(key);
        if (cached != null) {
            reused++;
            return cached;
        }
        NDArray features;
        try (NDScope scope = new NDScope()) {
            features = embedding.embed(manager, key.image());
            NDScope.unregister(features);
        }
        encoded++;
        entries.put(key, features);
        return features;
    }

    NDArray features(ProcessedImage image) {
        return features(new ImageKey(image));
    }

    /**
     * Drops the least recently used images beyond the capacity. Called between uses, never during one, so that
     * no array a caller still reads is freed.
     */
    void trim() {
        Iterator<NDArray> eldest = entries.values().iterator();
        while (entries.size() > capacity) {
            eldest.next().close();
            eldest.remove();
        }
    }

    long encoded() {
        return encoded;
    }

    long reused() {
        return reused;
    }

    @Override
    public void close() {
        entries.values().forEach(NDArray::close);
        entries.clear();
    }
}
