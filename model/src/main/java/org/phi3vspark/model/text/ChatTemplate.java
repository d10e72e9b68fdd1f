package org.phi3vspark.model.text;

import java.util.List;
import java.util.Set;

/**
 * The {@code chat_template} of Phi-3.5-vision's tokenizer_config.json, written out in Java:
 *
 * <pre>
 * {% for message in messages %}{{'<|' + message['role'] + '|>' + '\n' + message['content'] + '<|end|>\n' }}{% endfor %}
 * {% if add_generation_prompt and messages[-1]['role'] != 'assistant' %}{{- '<|assistant|>\n' -}}{% endif %}
 * </pre>
 *
 * The template emits no BOS; the tokenizer's post-processor adds it.
 */
public final class ChatTemplate {

    /** The template would happily emit any role, but the model was only trained on these three tags. */
    public static final Set<String> ROLES = Set.of("system", "user", "assistant");

    static final String GENERATION_PROMPT = "<|assistant|>\n";

    private ChatTemplate() {
    }

    public static String render(List<ChatMessage> messages, boolean addGenerationPrompt) {
        if (messages == null || messages.isEmpty()) {
            throw new PromptException("Chat conversation has no messages; at least one is needed to render a prompt");
        }
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < messages.size(); i++) {
            ChatMessage m = messages.get(i);
            if (m == null) {
                throw new PromptException("Chat message " + i + " is null");
            }
            if (!ROLES.contains(m.role())) {
                throw new PromptException("Chat message " + i + " has unknown role '" + m.role()
                        + "'; expected one of system, user, assistant");
            }
            out.append("<|").append(m.role()).append("|>\n").append(m.content()).append("<|end|>\n");
        }
        if (addGenerationPrompt && !"assistant".equals(messages.get(messages.size() - 1).role())) {
            out.append(GENERATION_PROMPT);
        }
        return out.toString();
    }
}
