package org.phi3vspark.model.text;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import java.util.ArrayList;
import java.util.List;

/**
 * A whole chat conversation for one request: an optional system turn, earlier user and assistant turns, and the
 * final user turn that the model answers. Images are referenced in the turns with {@code <|image_1|>} ...
 * {@code <|image_K|>}. What {@code generate --messages FILE} reads and what the job's {@code messages} manifest
 * column holds; both parse and check it here, so a conversation means the same request in either place.
 *
 * <p>Errors name the turn (1-based, as a person counts them): "turn 3 (user): ...".
 */
public record Conversation(List<ChatMessage> turns) {

    public Conversation {
        if (turns == null || turns.isEmpty()) {
            throw new PromptException("the conversation has no turns; it needs at least the user turn to answer");
        }
        for (int i = 0; i < turns.size(); i++) {
            ChatMessage t = turns.get(i);
            if (t == null) {
                throw new PromptException("turn " + (i + 1) + " is null");
            }
            if (!ChatTemplate.ROLES.contains(t.role())) {
                throw new PromptException("turn " + (i + 1) + " has role '" + t.role()
                        + "'; expected one of system, user, assistant");
            }
        }
        ChatMessage last = turns.get(turns.size() - 1);
        if (!"user".equals(last.role())) {
            throw new PromptException("turn " + turns.size() + " (" + last.role() + ") is the last turn; the last"
                    + " turn must be the user turn the model answers");
        }
        turns = List.copyOf(turns);
    }

    /** One user turn; without image tags it gets one tag line per image in front (the model card's layout). */
    public static Conversation ofPrompt(String userText, int images) {
        return new Conversation(List.of(ChatMessage.user(PromptBuilder.withImageTags(userText, images))));
    }

    /** A JSON array of {@code {"role": ..., "content": ...}} objects. */
    public static Conversation fromJson(String json) {
        JsonElement root;
        try {
            root = JsonParser.parseString(json);
        } catch (JsonParseException e) {
            throw new PromptException("the conversation is not valid JSON: " + e.getMessage());
        }
        if (!root.isJsonArray()) {
            throw new PromptException("the conversation must be a JSON array of {\"role\", \"content\"} objects");
        }
        List<ChatMessage> turns = new ArrayList<>();
        for (JsonElement e : root.getAsJsonArray()) {
            int n = turns.size() + 1;
            if (!e.isJsonObject()) {
                throw new PromptException("turn " + n + " is not a {\"role\", \"content\"} object: " + e);
            }
            JsonObject o = e.getAsJsonObject();
            turns.add(new ChatMessage(text(o, "role", n), text(o, "content", n)));
        }
        return new Conversation(turns);
    }

    private static String text(JsonObject o, String key, int turn) {
        JsonElement v = o.get(key);
        if (v == null || v.isJsonNull()) {
            throw new PromptException("turn " + turn + " has no \"" + key + "\"");
        }
        if (!v.isJsonPrimitive() || !v.getAsJsonPrimitive().isString()) {
            throw new PromptException("turn " + turn + ": \"" + key + "\" must be a string, not " + v);
        }
        return v.getAsString();
    }

    /**
     * Checks that the turns hold the tags {@code <|image_1|>} ... {@code <|image_K|>}, each once, in order, for
     * {@code images} = K images, naming the turn of a misplaced tag.
     */
    public void checkImageTags(int images) {
        int tags = 0;
        for (int i = 0; i < turns.size(); i++) {
            try {
                tags += PromptBuilder.checkImageTags(turns.get(i).content(), tags);
            } catch (PromptException e) {
                throw new PromptException("turn " + (i + 1) + " (" + turns.get(i).role() + "): " + e.getMessage());
            }
        }
        if (tags != images) {
            throw new PromptException("the conversation has " + tags + " image tag(s) but " + images
                    + " image(s) were given; each image needs exactly one <|image_N|> tag");
        }
    }

    /** The content of the final user turn: the question the model answers. */
    public String finalUserTurn() {
        return turns.get(turns.size() - 1).content();
    }
}
