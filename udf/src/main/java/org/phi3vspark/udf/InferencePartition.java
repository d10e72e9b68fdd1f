package org.phi3vspark.udf;

import java.io.Serializable;
import java.time.LocalDate;
import java.util.Iterator;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Row;

/**
 * The mapPartitions function: planned work rows ({@link WorkSchema}) in, result rows ({@link ResultSchema})
 * out, exactly one per work row. Bad input becomes error rows; only a broken model or setup fails the task.
 *
 * @param model         model directory as given by the user (written to the {@code model} column)
 * @param modelDir      local model directory the executors load
 * @param modelRevision revision computed on the driver (part of every request key)
 * @param counters      accumulators to update, or null
 * @param java8Time     the session's spark.sql.datetime.java8API.enabled
 */
public record InferencePartition(String model, String modelDir, String modelRevision, Phi3vConf.Settings settings,
                                 SerializableHadoopConf hadoopConf, String runId, LocalDate runDate,
                                 ProgressCounters counters, boolean java8Time)
        implements MapPartitionsFunction<Row, Row>, Serializable {

    @Override
    public Iterator<Row> call(Iterator<Row> input) {
        return new PartitionRun(this, input);
    }
}
