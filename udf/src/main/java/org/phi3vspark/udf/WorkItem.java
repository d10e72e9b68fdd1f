package org.phi3vspark.udf;

import java.io.Serializable;
import java.util.List;
import org.phi3vspark.udf.task.GenerationSettings;
import org.phi3vspark.udf.task.OutputKind;

/**
 * One model request: an item (its images) under one task, with everything resolved on the driver side
 * (prompt text with image tags, crop budget, settings). {@code requestKey} identifies the request across runs.
 */
public record WorkItem(String itemId, List<String> imageUris, String task, String prompt, int numCrops,
                       GenerationSettings generation, OutputKind output, String contentKey, String requestKey)
        implements Serializable {
}
