package org.phi3vspark.jobs.sql;

import java.io.PrintWriter;
import java.util.concurrent.Callable;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code phi3v sql}: SQL over a results table with the convenience views registered. */
@Command(name = "sql", mixinStandardHelpOptions = true,
        description = {
            "Runs one SQL query over a phi3v results table and prints the result as a table.",
            "Tables and views:",
            "  phi3v_results       every row (partition columns task and run_date included)",
            "  phi3v_latest        newest ok row per item_id and task",
            "  phi3v_errors        error rows; resolved = an ok row exists for that item and task",
            "  phi3v_chart_points  one row per data point of the latest chart results",
            "  phi3v_ocr_lines     one row per line of the latest ocr results",
            "Example:",
            "  phi3v sql --results phi3v-demo/results \"SELECT task, status, count(*) AS n FROM phi3v_results GROUP BY task, status\""
        })
public final class SqlCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--results", paramLabel = "PATH",
            description = "Results table written by 'phi3v run', Parquet or Delta (a folder or URI: file://, s3a://,"
                    + " hdfs://). Delta's SQL works too: delta.`PATH` VERSION AS OF N, DESCRIBE HISTORY delta.`PATH`.")
    String results;

    @Option(names = "--max-rows", paramLabel = "N", defaultValue = "50",
            description = "Print at most N rows (default: ${DEFAULT-VALUE}).")
    int maxRows;

    @Option(names = "--max-width", paramLabel = "CHARS", defaultValue = "80",
            description = "Cut cells longer than CHARS characters; 0 = never (default: ${DEFAULT-VALUE}).")
    int maxWidth;

    @Option(names = "--print-views",
            description = "Print the SQL that defines the views (for use in other tools) and exit.")
    boolean printViews;

    @Parameters(arity = "0..1", paramLabel = "QUERY", description = "One SQL statement.")
    String query;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        if (printViews) {
            out.print(ResultViews.script());
            out.flush();
            return 0;
        }
        validate();
        SparkSession spark = CliSpark.session("phi3v sql");
        try {
            return run(spark, out);
        } finally {
            spark.stop();
        }
    }

    private void validate() {
        if (results == null || results.isBlank()) {
            throw new ParameterException(spec.commandLine(), "Missing required option: --results PATH");
        }
        if (query == null || query.isBlank()) {
            throw new ParameterException(spec.commandLine(), "Missing required parameter: QUERY (one SQL statement)");
        }
        if (maxRows < 1) {
            throw new ParameterException(spec.commandLine(), "--max-rows must be at least 1, got " + maxRows);
        }
    }

    /** Runs the query in an existing session (tests share one) and prints the table to {@code out}. */
    public int run(SparkSession spark, PrintWriter out) {
        validate();
        ResultViews.register(spark, results);
        Dataset<Row> df = spark.sql(query);
        TextTable.Rendered table = TextTable.render(df, maxRows, maxWidth);
        out.print(table.text());
        out.println(table.truncated()
                ? "first " + table.rowsShown() + " rows shown (--max-rows " + maxRows + ")"
                : table.rowsShown() + (table.rowsShown() == 1 ? " row" : " rows"));
        out.flush();
        return 0;
    }
}
