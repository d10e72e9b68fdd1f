package org.phi3vspark.udf.row;

import java.io.Serializable;
import java.util.List;
import org.phi3vspark.model.generate.GenerationConfig;
import org.phi3vspark.model.text.ChatMessage;
import org.phi3vspark.model.text.Conversation;

/**
 * What is asked of the model for one item under one task, resolved on the driver side.
 *
 * @param prompt     the user message with image tags (for a conversation: its final user turn)
 * @param messages   the whole conversation when the manifest row gave one ({@code messages} column), else null
 * @param requestKey identifies the request across runs (content, task, conversation, settings, model revision)
 */
public record Request(String task, String prompt, List<ChatMessage> messages, int numCrops,
                      GenerationConfig generation, String requestKey) implements Serializable {

    /** What the model is given: the row's conversation, or the prompt as the one user turn. */
    public Conversation conversation() {
        return messages != null ? new Conversation(messages) : new Conversation(List.of(ChatMessage.user(prompt)));
    }
}
