package org.phi3vspark.model.text;

import java.util.Objects;

/**
 * One turn of a chat conversation. Images are referenced inside {@code content} with the tags
 * {@code <|image_1|>}, {@code <|image_2|>}, ...; the role is checked when the conversation is rendered
 * by {@link ChatTemplate}, so that the error can say which message is wrong.
 */
public record ChatMessage(String role, String content) {

    public ChatMessage {
        Objects.requireNonNull(role, "chat message role");
        Objects.requireNonNull(content, "chat message content");
    }

    public static ChatMessage system(String content) {
        return new ChatMessage("system", content);
    }

    public static ChatMessage user(String content) {
        return new ChatMessage("user", content);
    }

    public static ChatMessage assistant(String content) {
        return new ChatMessage("assistant", content);
    }
}
