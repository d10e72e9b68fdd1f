package org.phi3vspark.udf.exec;

import java.io.Serializable;
import org.apache.spark.SparkContext;
import org.apache.spark.util.LongAccumulator;

/**
 * Named accumulators the partition function updates per row; visible in the Spark UI and polled by the
 * driver's progress reporter. Counts can exceed the row count when Spark retries a task; the run summary
 * therefore counts rows from the written table, not from here.
 */
public record ProgressCounters(LongAccumulator items, LongAccumulator errors, LongAccumulator promptTokens,
                               LongAccumulator reusedPromptTokens, LongAccumulator outputTokens,
                               LongAccumulator modelCalls, LongAccumulator generateMillis, LongAccumulator modelLoads)
        implements Serializable {

    public static ProgressCounters register(SparkContext sc) {
        return new ProgressCounters(sc.longAccumulator("phi3v.items"), sc.longAccumulator("phi3v.errors"),
                sc.longAccumulator("phi3v.prompt_tokens"), sc.longAccumulator("phi3v.reused_prompt_tokens"),
                sc.longAccumulator("phi3v.output_tokens"),
                sc.longAccumulator("phi3v.model_calls"), sc.longAccumulator("phi3v.generate_ms"),
                sc.longAccumulator("phi3v.model_loads"));
    }
}
