package org.phi3vspark.jobs;

import com.google.gson.JsonElement;
import java.util.List;

/**
 * What a run did; printed at the end and written as JSON to {@code <output>/_phi3v_runs/<run_id>.json}. Row and
 * token counts come from the written table; {@code reusedPromptTokens} (prompt tokens copied from a prefix shared
 * with another task of the item instead of prefilled), {@code modelCalls} (engine steps and requests retried
 * alone) and {@code modelLoads} from the executors' counters, which a retried Spark task counts again.
 *
 * @param tableVersion the Delta table version the run committed; null for Parquet (absent from the JSON)
 */
public record RunSummary(String runId, String startedAt, String finishedAt, double seconds, String input,
                         String output, String tableFormat, Long tableVersion, String model, String modelRevision,
                         String mode, List<TaskSettings> tasks, long manifestRows, long requestsPlanned,
                         long requestsSkipped, long rowsWritten, long ok, long errors, List<TaskCount> byTask,
                         List<StageCount> errorsByStage, long promptTokens, long reusedPromptTokens, long outputTokens,
                         double outputTokensPerSecond, long modelCalls, long modelLoads, String summaryPath) {

    /**
     * Settings of one task as run.
     *
     * @param jsonSchema  the task's json_schema, or null
     * @param constrained for a task with a schema, whether it was decoded under it; null otherwise
     */
    public record TaskSettings(String name, String prompt, int numCrops, int numCropsMultiImage, int maxNewTokens,
                               double temperature, int topK, double topP, long seed, String output,
                               JsonElement jsonSchema, Boolean constrained) {
    }

    /** Rows of one task and status. */
    public record TaskCount(String task, String status, long rows) {
    }

    /** Error rows of one stage. */
    public record StageCount(String stage, long rows) {
    }

    public String oneLine() {
        return String.format(java.util.Locale.ROOT,
                "run %s: %d rows written (%d ok, %d errors), %d skipped as already done, %.1f s, %d output tokens,"
                        + " %d prompt tokens reused from shared prefixes; table %s%s; summary %s", runId, rowsWritten,
                ok, errors, requestsSkipped, seconds, outputTokens, reusedPromptTokens, output,
                tableVersion == null ? "" : " (delta version " + tableVersion + ")", summaryPath);
    }
}
