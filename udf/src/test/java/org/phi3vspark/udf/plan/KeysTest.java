package org.phi3vspark.udf.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.phi3vspark.model.generate.GenerationConfig;
import org.phi3vspark.model.image.VideoDecoder;
import org.phi3vspark.udf.task.TaskRegistry;

class KeysTest {

    @Test
    void aSchemaAndWhetherDecodingFollowsItAreOnlyInTheKeysOfTasksWithOne() {
        GenerationConfig g = GenerationConfig.greedy(64);
        TaskRegistry tasks = TaskRegistry.builtIn();
        String caption = tasks.get("caption").answerKey(true);
        assertEquals(caption, tasks.get("caption").answerKey(false), "no schema: nothing to follow");
        String constrained = Keys.requestKey("ck", "chart", "p", null, 1, g, tasks.get("chart").answerKey(true), null,
                "rev");
        String free = Keys.requestKey("ck", "chart", "p", null, 1, g, tasks.get("chart").answerKey(false), null,
                "rev");
        String none = Keys.requestKey("ck", "chart", "p", null, 1, g, caption, null, "rev");
        assertEquals(3, Set.copyOf(List.of(constrained, free, none)).size(),
                "turning constraints off reruns a schema task; its rows differ");
        assertNotEquals(Keys.requestKey("ck", "chart", "p", null, 1, g, null, null, "rev"), constrained);
    }

    @Test
    void aVideosSamplingIsPartOfItsRequestKeysAndImageKeysStayAsTheyWere() {
        GenerationConfig g = GenerationConfig.greedy(64);
        String image = Keys.requestKey("ck", "video_summary", "p", null, 4, g, null, null, "rev");
        assertEquals(Keys.sha256(String.join("\u0000", "ck", "video_summary", "p", "4", Keys.canonical(g), "rev")),
                image, "an item of images keeps the key it always had");
        List<String> keys = List.of(image,
                Keys.requestKey("ck", "video_summary", "p", null, 4, g, null, VideoDecoder.Sampling.evenly(8), "rev"),
                Keys.requestKey("ck", "video_summary", "p", null, 4, g, null, VideoDecoder.Sampling.evenly(4), "rev"),
                Keys.requestKey("ck", "video_summary", "p", null, 4, g, null, VideoDecoder.Sampling.every(2, 32),
                        "rev"),
                Keys.requestKey("ck", "video_summary", "p", null, 4, g, null, VideoDecoder.Sampling.every(2, 16),
                        "rev"));
        assertEquals(keys.size(), Set.copyOf(keys).size(), "other sampling, other frames: the video runs again");
        assertEquals(keys.get(1), Keys.requestKey("ck", "video_summary", "p", null, 4, g, null,
                VideoDecoder.Sampling.evenly(8), "rev"), "the same sampling is the same request");
    }
}
