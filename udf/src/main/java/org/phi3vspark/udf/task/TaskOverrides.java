package org.phi3vspark.udf.task;

/**
 * Optional changes to a preset; null means "keep the preset's value". Setting numCrops alone sets both the
 * single- and multi-image budgets.
 */
public record TaskOverrides(String prompt, Integer numCrops, Integer numCropsMulti, Integer maxNewTokens,
                            Double temperature, Integer topK, Double topP, Long seed, OutputKind output) {

    public static final TaskOverrides NONE = new TaskOverrides(null, null, null, null, null, null, null, null, null);

    public boolean isEmpty() {
        return equals(NONE);
    }
}
