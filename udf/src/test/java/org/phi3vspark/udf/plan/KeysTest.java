package org.phi3vspark.udf.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.phi3vspark.model.generate.GenerationConfig;
import org.phi3vspark.udf.task.TaskRegistry;

class KeysTest {

    @Test
    void aSchemaAndWhetherDecodingFollowsItAreOnlyInTheKeysOfTasksWithOne() {
        GenerationConfig g = GenerationConfig.greedy(64);
        TaskRegistry tasks = TaskRegistry.builtIn();
        String caption = tasks.get("caption").answerKey(true);
        assertEquals(caption, tasks.get("caption").answerKey(false), "no schema: nothing to follow");
        String constrained = Keys.requestKey("ck", "chart", "p", null, 1, g, tasks.get("chart").answerKey(true), "rev");
        String free = Keys.requestKey("ck", "chart", "p", null, 1, g, tasks.get("chart").answerKey(false), "rev");
        String none = Keys.requestKey("ck", "chart", "p", null, 1, g, caption, "rev");
        assertEquals(3, Set.copyOf(List.of(constrained, free, none)).size(),
                "turning constraints off reruns a schema task; its rows differ");
        assertNotEquals(Keys.requestKey("ck", "chart", "p", null, 1, g, null, "rev"), constrained);
    }
}
