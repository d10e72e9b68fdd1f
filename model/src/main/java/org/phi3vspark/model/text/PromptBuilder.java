package org.phi3vspark.model.text;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Turns a templated prompt plus per-image token counts into input ids, as HF's {@code Phi3VProcessor} does:
 * the prompt is split at {@code <|image_N|>} tags, every text chunk is tokenized on its own (so each one,
 * including the one after an image and an empty trailing one, starts with BOS), and the tag at position N
 * becomes {@code numImgTokens[N-1]} copies of the placeholder id {@code -N}.
 *
 * <p>Stricter than the reference: HF only checks that the set of tag numbers is {1..K}. Because the model
 * splices image features in image order regardless of the tag number, a repeated or out-of-order tag would
 * silently misalign features, so tags must appear exactly once each, in the order 1..K.
 */
public final class PromptBuilder {

    private static final Pattern IMAGE_TAG = Pattern.compile("<\\|image_(\\d+)\\|>");

    private final Phi3Tokenizer tokenizer;

    public PromptBuilder(Phi3Tokenizer tokenizer) {
        this.tokenizer = Objects.requireNonNull(tokenizer, "tokenizer");
    }

    /**
     * The user text with one {@code <|image_k|>} line per image in front (the model card's layout), unless it
     * already has image tags: how prompts written without tags are given their images.
     */
    public static String withImageTags(String text, int images) {
        if (text.contains("<|image_")) {
            return text;
        }
        StringBuilder tagged = new StringBuilder();
        for (int i = 1; i <= images; i++) {
            tagged.append("<|image_").append(i).append("|>\n");
        }
        return tagged.append(text).toString();
    }

    /**
     * Checks the image tags of one piece of prompt text that follows {@code tagsBefore} tags (earlier turns of a
     * conversation): each must be the next number. Returns the number of tags in {@code text}.
     */
    public static int checkImageTags(String text, int tagsBefore) {
        Matcher m = IMAGE_TAG.matcher(text);
        int tags = tagsBefore;
        while (m.find()) {
            checkTag(m.group(), ++tags);
        }
        return tags - tagsBefore;
    }

    /** The image-tag rule, in one place: the n-th tag of a prompt must be {@code <|image_n|>}. */
    private static void checkTag(String tag, int n) {
        if (!tag.equals("<|image_" + n + "|>")) {
            throw new PromptException("Image tag " + n + " in the prompt is " + tag + " but <|image_" + n
                    + "|> was expected: tags must be <|image_1|>..<|image_K|>, each exactly once, in order");
        }
    }

    /** Renders {@code messages} with the generation prompt, then builds as {@link #build(String, int[])}. */
    public Prompt build(List<ChatMessage> messages, int[] numImgTokensPerImage) {
        return build(ChatTemplate.render(messages, true), numImgTokensPerImage);
    }

    /**
     * @param templatedPrompt      the prompt after the chat template
     * @param numImgTokensPerImage image-token count of each image in image order; null or empty for a text-only prompt
     */
    public Prompt build(String templatedPrompt, int[] numImgTokensPerImage) {
        Objects.requireNonNull(templatedPrompt, "templatedPrompt");
        int[] counts = numImgTokensPerImage == null ? new int[0] : numImgTokensPerImage.clone();
        for (int k = 0; k < counts.length; k++) {
            if (counts[k] <= 0) {
                throw new PromptException("Image " + (k + 1) + " has " + counts[k] + " image tokens; must be positive");
            }
        }

        List<String> chunks = new ArrayList<>();
        Matcher m = IMAGE_TAG.matcher(templatedPrompt);
        int start = 0;
        int tags = 0;
        while (m.find()) {
            tags++;
            checkTag(m.group(), tags);
            chunks.add(templatedPrompt.substring(start, m.start()));
            start = m.end();
        }
        chunks.add(templatedPrompt.substring(start));

        if (tags != counts.length) {
            throw new PromptException("The prompt has " + tags + " image tag(s) but " + counts.length
                    + " image(s) were given; each image needs exactly one <|image_N|> tag");
        }

        if (tags == 0) {
            long[] ids = tokenizer.encode(templatedPrompt);
            return new Prompt(templatedPrompt, ids, List.of(ids), counts);
        }

        List<long[]> chunkIds = new ArrayList<>(chunks.size());
        int length = 0;
        for (String chunk : chunks) {
            long[] ids = tokenizer.encode(chunk);
            chunkIds.add(ids);
            length += ids.length;
        }
        for (int c : counts) {
            length += c;
        }
        long[] inputIds = new long[length];
        int pos = 0;
        for (int i = 0; i < chunkIds.size(); i++) {
            long[] ids = chunkIds.get(i);
            System.arraycopy(ids, 0, inputIds, pos, ids.length);
            pos += ids.length;
            if (i < counts.length) {
                Arrays.fill(inputIds, pos, pos + counts[i], -(long) (i + 1));
                pos += counts[i];
            }
        }
        return new Prompt(templatedPrompt, inputIds, chunkIds, counts);
    }
}
