package org.phi3vspark.model.generate;

import java.util.List;
import java.util.Objects;
import org.phi3vspark.model.image.ProcessedImage;
import org.phi3vspark.model.text.Prompt;

/** One sequence to generate: its prompt ids (with image placeholders), its images in tag order, its settings. */
public record GenerationRequest(Prompt prompt, List<ProcessedImage> images, GenerationConfig config,
        LogitsProcessor logitsProcessor) {

    public GenerationRequest {
        Objects.requireNonNull(prompt, "prompt");
        Objects.requireNonNull(config, "config");
        images = images == null ? List.of() : List.copyOf(images);
        logitsProcessor = logitsProcessor == null ? LogitsProcessor.NONE : logitsProcessor;
        int[] expected = prompt.numImgTokens() == null ? new int[0] : prompt.numImgTokens();
        if (expected.length != images.size()) {
            throw new IllegalArgumentException("prompt was built for " + expected.length + " image(s) but "
                    + images.size() + " were given");
        }
        for (int i = 0; i < images.size(); i++) {
            if (images.get(i).numImgTokens() != expected[i]) {
                throw new IllegalArgumentException("image " + (i + 1) + " has " + images.get(i).numImgTokens()
                        + " tokens but the prompt reserves " + expected[i]);
            }
        }
    }

    public GenerationRequest(Prompt prompt, List<ProcessedImage> images, GenerationConfig config) {
        this(prompt, images, config, null);
    }
}
