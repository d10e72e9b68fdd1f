package org.phi3vspark.model.generate;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.phi3vspark.model.Phi3VModel;
import org.phi3vspark.model.image.ImageProcessor;
import org.phi3vspark.model.image.ProcessedImage;
import org.phi3vspark.model.image.RgbImage;
import org.phi3vspark.model.text.Conversation;
import org.phi3vspark.model.text.Prompt;
import org.phi3vspark.model.text.PromptBuilder;

/**
 * The one way to turn decoded images, a conversation, a crop budget and generation settings into a
 * {@link GenerationRequest}: used by the Spark job's partition function, {@code generate} and {@code bench}.
 *
 * <pre>
 * RequestBuilder builder = RequestBuilder.of(model);
 * Conversation chat = Conversation.ofPrompt("Describe this image.", images.size()); // or Conversation.fromJson(...)
 * GenerationRequest request = builder.build(images, chat, numCrops, GenerationConfig.DEFAULTS);
 * GenerationResult result = model.generate(request);
 * </pre>
 *
 * Steps: the conversation's image tags are checked against the images (a {@link
 * org.phi3vspark.model.text.PromptException} names the turn), each image is HD-transformed and normalised at
 * {@code numCrops} (a failure is an {@link ImageFailure} naming the image's index), then the chat template and
 * tokenizer build the prompt with one placeholder block per image. Thread-safe: it holds no state of its own.
 */
public final class RequestBuilder {

    private final ImageProcessor images;
    private final PromptBuilder prompts;

    public RequestBuilder(ImageProcessor images, PromptBuilder prompts) {
        this.images = Objects.requireNonNull(images, "image processor");
        this.prompts = Objects.requireNonNull(prompts, "prompt builder");
    }

    /** The builder for this model's preprocessor and tokenizer. */
    public static RequestBuilder of(Phi3VModel model) {
        return new RequestBuilder(model.imageProcessor(), model.promptBuilder());
    }

    /**
     * @param decoded  the images in tag order ({@code <|image_1|>} first)
     * @param numCrops HD crop budget for every image
     */
    public GenerationRequest build(List<RgbImage> decoded, Conversation conversation, int numCrops,
                                   GenerationConfig config) {
        conversation.checkImageTags(decoded.size());
        List<ProcessedImage> processed = new ArrayList<>(decoded.size());
        int[] imageTokens = new int[decoded.size()];
        for (int i = 0; i < decoded.size(); i++) {
            try {
                processed.add(images.process(decoded.get(i), numCrops));
            } catch (RuntimeException e) {
                throw new ImageFailure(i, e);
            }
            imageTokens[i] = processed.get(i).numImgTokens();
        }
        Prompt prompt = prompts.build(conversation.turns(), imageTokens);
        return new GenerationRequest(prompt, processed, config);
    }

    /** Image {@link #index()} (0-based, in tag order) could not be preprocessed. */
    public static final class ImageFailure extends IllegalArgumentException {
        private static final long serialVersionUID = 1L;
        private final int index;

        ImageFailure(int index, RuntimeException cause) {
            super("image " + (index + 1) + " cannot be preprocessed: "
                    + (cause.getMessage() == null ? cause.getClass().getName() : cause.getMessage()), cause);
            this.index = index;
        }

        public int index() {
            return index;
        }
    }
}
