package org.phi3vspark.udf.task;

import org.phi3vspark.model.generate.GenerationOverrides;

/**
 * Optional changes to a preset; null means "keep the preset's value". Setting numCrops alone sets both the
 * single- and multi-image budgets.
 */
public record TaskOverrides(String prompt, Integer numCrops, Integer numCropsMulti, GenerationOverrides generation,
                            OutputKind output, TaskSchema schema) {

    public static final TaskOverrides NONE = new TaskOverrides(null, null, null, GenerationOverrides.NONE, null,
            null);

    public TaskOverrides {
        generation = generation == null ? GenerationOverrides.NONE : generation;
    }

    /** Only the crop budget and the token limit: what tests and the demo use to keep runs small. */
    public static TaskOverrides small(int numCrops, int maxNewTokens) {
        return new TaskOverrides(null, numCrops, null,
                new GenerationOverrides(maxNewTokens, null, null, null, null), null, null);
    }

    public boolean isEmpty() {
        return equals(NONE);
    }
}
