package org.phi3vspark.udf.plan;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import org.phi3vspark.model.generate.GenerationConfig;
import org.phi3vspark.model.image.VideoDecoder;
import org.phi3vspark.model.text.ChatMessage;
import org.phi3vspark.udf.row.ImageFile;

/**
 * Identity of inputs and requests across runs.
 *
 * <p>The content key hashes, for each image, its URI, length and modification time as the planner's one
 * file-status call reported them ({@link ImageFile}): no bytes read, available on every store (file, HDFS, S3
 * object Last-Modified), and it changes whenever a file is replaced. A file that is only touched gets a new key
 * and is processed again; that costs compute, never correctness. A file that cannot be stat-ed gets a key marked
 * "missing" or "unreadable" so that it is retried on every run until it can be read. A video's content key is
 * its file's; how its frames are sampled is part of its request keys, so other sampling settings run it again.
 */
public final class Keys {

    private Keys() {
    }

    public static String contentKey(List<ImageFile> images) {
        StringBuilder sb = new StringBuilder();
        for (ImageFile f : images) {
            sb.append(f.uri()).append('\t');
            if (f.length() != null) {
                sb.append(f.length()).append('\t').append(f.modified());
            } else {
                sb.append(f.missing() ? "missing" : "unreadable");
            }
            sb.append('\n');
        }
        return sha256(sb.toString());
    }

    /**
     * @param prompt    the user message (a single-turn request)
     * @param messages  the whole conversation, or null for a single-turn request; a one-turn conversation is the
     *                  same request as its prompt and gets the same key
     * @param answerKey {@link org.phi3vspark.udf.task.TaskPreset#answerKey}: the task's schema and whether decoding
     *                  follows it, or null (tasks without a schema keep the keys they always had)
     * @param video     a video item's frame sampling, or null for an item of images (whose keys stay as they were);
     *                  its prompt is the one before image tags, which depend on the frames the video gives
     */
    public static String requestKey(String contentKey, String task, String prompt, List<ChatMessage> messages,
                                    int numCrops, GenerationConfig g, String answerKey, VideoDecoder.Sampling video,
                                    String modelRevision) {
        String key = String.join("\u0000", contentKey, task, requestText(prompt, messages),
                Integer.toString(numCrops), canonical(g), modelRevision == null ? "" : modelRevision);
        if (answerKey != null) {
            key += "\u0000" + answerKey;
        }
        if (video != null) {
            key += "\u0000video " + video.describe();
        }
        return sha256(key);
    }

    private static String requestText(String prompt, List<ChatMessage> messages) {
        if (messages == null || messages.size() == 1) {
            return prompt;
        }
        StringBuilder sb = new StringBuilder("conversation");
        for (ChatMessage m : messages) {
            sb.append('\u0001').append(m.role()).append('\u0002').append(m.content());
        }
        return sb.toString();
    }

    /** Stable text form of the sampling settings (the stop ids are always the model's defaults in a job). */
    static String canonical(GenerationConfig g) {
        return "max_new_tokens=" + g.maxNewTokens() + ";temperature=" + g.temperature() + ";top_k=" + g.topK()
                + ";top_p=" + g.topP() + ";seed=" + g.seed();
    }

    /** Item id for manifests without one: a short stable hash of the URIs (the URIs are in image_uris anyway). */
    public static String derivedItemId(List<String> uris) {
        return sha256(String.join("\n", uris)).substring(0, 16);
    }

    public static String sha256(String text) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            return HexFormat.of().formatHex(md.digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 unavailable", e);
        }
    }
}
