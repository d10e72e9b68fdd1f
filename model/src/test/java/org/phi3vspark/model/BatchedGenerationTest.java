package org.phi3vspark.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.phi3vspark.model.generate.GenerationRequest;
import org.phi3vspark.model.generate.GenerationResult;

/** A batch of different requests (lengths, images, RoPE modes) decodes to the same greedy ids as each alone. */
class BatchedGenerationTest {

    @Test
    void greedyCasesGiveTheReferenceIdsWhenBatchedPerCheckpoint() {
        Map<String, List<GoldenCase>> byCheckpoint = GoldenSet.caseDirs().stream()
                .map(GoldenCase::load)
                .filter(GoldenCase::greedy)
                .collect(Collectors.groupingBy(c -> c.json().get("checkpoint").getAsString()));
        assertFalse(byCheckpoint.isEmpty(), "the golden set has greedy cases");
        for (List<GoldenCase> cases : byCheckpoint.values()) {
            Phi3VModel model = cases.get(0).model();
            List<GenerationRequest> batch = cases.stream().map(GoldenCase::request).toList();
            List<GenerationResult> results = model.generate(batch);
            assertEquals(cases.size(), results.size());
            for (int i = 0; i < cases.size(); i++) {
                GoldenCase c = cases.get(i);
                assertArrayEquals(GoldenSet.longs(c.generation().getAsJsonArray("new_ids")),
                        results.get(i).generatedIds(), c.id() + " in a batch of " + cases.size());
                assertEquals(c.generation().get("text").getAsString(), results.get(i).text(), c.id() + " text");
            }
        }
    }
}
