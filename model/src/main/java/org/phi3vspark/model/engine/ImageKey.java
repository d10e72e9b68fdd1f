package org.phi3vspark.model.engine;

import java.util.Arrays;
import java.util.Objects;
import org.phi3vspark.model.image.ProcessedImage;

/**
 * Identity of a preprocessed image by content: equal crop grids and equal pixels (at the same num_crops) give
 * equal vision features, whichever object or task they came from. The hash is computed once; equality compares
 * the pixels only when the hashes agree.
 */
final class ImageKey {
    private final ProcessedImage image;
    private final int hash;

    ImageKey(ProcessedImage image) {
        this.image = image;
        this.hash = 31 * Arrays.hashCode(image.crops()) + Objects.hash(image.numCrops(), image.cropsH(),
                image.cropsW(), image.numImgTokens());
    }

    ProcessedImage image() {
        return image;
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof ImageKey other) || other.hash != hash) {
            return false;
        }
        ProcessedImage a = image;
        ProcessedImage b = other.image;
        return a.numCrops() == b.numCrops() && a.cropsH() == b.cropsH() && a.cropsW() == b.cropsW()
                && a.numImgTokens() == b.numImgTokens() && (a.crops() == b.crops() || Arrays.equals(a.crops(),
                        b.crops()));
    }

    @Override
    public int hashCode() {
        return hash;
    }
}
