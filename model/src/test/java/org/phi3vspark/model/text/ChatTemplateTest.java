package org.phi3vspark.model.text;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ChatTemplateTest {

    @Test
    void singleUserTurnWithGenerationPrompt() {
        assertEquals("<|user|>\n<|image_1|>\nWhat is this?<|end|>\n<|assistant|>\n",
                ChatTemplate.render(List.of(ChatMessage.user("<|image_1|>\nWhat is this?")), true));
    }

    @Test
    void noGenerationPromptWhenNotRequested() {
        assertEquals("<|user|>\nHi<|end|>\n", ChatTemplate.render(List.of(ChatMessage.user("Hi")), false));
    }

    @Test
    void noGenerationPromptAfterAnAssistantTurn() {
        List<ChatMessage> msgs = List.of(ChatMessage.user("Hi"), ChatMessage.assistant("Hello."));
        assertEquals("<|user|>\nHi<|end|>\n<|assistant|>\nHello.<|end|>\n", ChatTemplate.render(msgs, true));
    }

    @Test
    void systemAndMultiTurn() {
        List<ChatMessage> msgs = List.of(ChatMessage.system("Be brief."), ChatMessage.user("A"),
                ChatMessage.assistant("B"), ChatMessage.user(""));
        assertEquals("<|system|>\nBe brief.<|end|>\n<|user|>\nA<|end|>\n<|assistant|>\nB<|end|>\n<|user|>\n<|end|>\n"
                + "<|assistant|>\n", ChatTemplate.render(msgs, true));
    }

    @Test
    void unknownRoleIsRejectedNamingTheMessage() {
        List<ChatMessage> msgs = List.of(ChatMessage.user("A"), new ChatMessage("tool", "B"));
        PromptException e = assertThrows(PromptException.class, () -> ChatTemplate.render(msgs, true));
        assertTrue(e.getMessage().contains("'tool'") && e.getMessage().contains("message 1"), e.getMessage());
        // Roles are case sensitive in the template: "<|User|>" is not a token.
        assertThrows(PromptException.class, () -> ChatTemplate.render(List.of(new ChatMessage("User", "A")), true));
    }

    @Test
    void emptyOrMissingConversationIsRejected() {
        assertThrows(PromptException.class, () -> ChatTemplate.render(List.of(), true));
        assertThrows(PromptException.class, () -> ChatTemplate.render(null, false));
        List<ChatMessage> withNull = new ArrayList<>();
        withNull.add(null);
        assertThrows(PromptException.class, () -> ChatTemplate.render(withNull, true));
    }

    @Test
    void nullFieldsAreRejected() {
        assertThrows(NullPointerException.class, () -> new ChatMessage(null, "x"));
        assertThrows(NullPointerException.class, () -> new ChatMessage("user", null));
    }
}
