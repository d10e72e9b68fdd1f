package org.phi3vspark.udf.exec;

import java.io.Serializable;
import java.time.LocalDate;
import java.util.Iterator;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Row;
import org.phi3vspark.udf.conf.Phi3vConf;
import org.phi3vspark.udf.conf.SerializableHadoopConf;
import org.phi3vspark.udf.row.ResultTable;
import org.phi3vspark.udf.snapshot.ModelRef;
import org.phi3vspark.udf.task.TaskRegistry;

/**
 * The mapPartitions function: work rows ({@link org.phi3vspark.udf.row.WorkSchema}) in, result rows
 * ({@link org.phi3vspark.udf.row.ResultTable}) out, exactly one per work row. Bad input becomes error rows; a
 * model that keeps failing, or a broken setup, fails the task.
 *
 * @param tasks     the run's tasks: each work row's task decides its schema and typed columns
 * @param table     the run's result columns (the json columns of its tasks)
 * @param counters  accumulators to update, or null
 * @param java8Time the session's spark.sql.datetime.java8API.enabled
 */
public record InferencePartition(ModelRef model, Phi3vConf.Settings settings, SerializableHadoopConf hadoopConf,
                                 TaskRegistry tasks, ResultTable table, String runId, LocalDate runDate,
                                 ProgressCounters counters, boolean java8Time)
        implements MapPartitionsFunction<Row, Row>, Serializable {

    @Override
    public Iterator<Row> call(Iterator<Row> input) {
        return new PartitionRun(this, input);
    }
}
