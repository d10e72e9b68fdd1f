package org.phi3vspark.udf.exec;

import java.io.Serializable;
import java.time.LocalDate;
import java.util.Iterator;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Row;
import org.phi3vspark.udf.conf.Phi3vConf;
import org.phi3vspark.udf.conf.SerializableHadoopConf;
import org.phi3vspark.udf.snapshot.ModelRef;

/**
 * The mapPartitions function: work rows ({@link org.phi3vspark.udf.row.WorkSchema}) in, result rows
 * ({@link org.phi3vspark.udf.row.ResultSchema}) out, exactly one per work row. Bad input becomes error rows; a
 * model that keeps failing, or a broken setup, fails the task.
 *
 * @param counters  accumulators to update, or null
 * @param java8Time the session's spark.sql.datetime.java8API.enabled
 */
public record InferencePartition(ModelRef model, Phi3vConf.Settings settings, SerializableHadoopConf hadoopConf,
                                 String runId, LocalDate runDate, ProgressCounters counters, boolean java8Time)
        implements MapPartitionsFunction<Row, Row>, Serializable {

    @Override
    public Iterator<Row> call(Iterator<Row> input) {
        return new PartitionRun(this, input);
    }
}
