package org.phi3vspark.jobs.sql;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.phi3vspark.jobs.ResultsTable;

/**
 * Registers a results table as {@code phi3v_results} and the convenience views defined in the
 * resource {@value #VIEWS_RESOURCE}, the single definition that the notebooks run too.
 */
public final class ResultViews {
    /** Classpath location of the view definitions (also read by the notebooks from the source tree). */
    public static final String VIEWS_RESOURCE = "/org/phi3vspark/jobs/sql/phi3v_views.sql";
    /** Name under which the raw results are registered. */
    public static final String RESULTS_TABLE = "phi3v_results";

    private static final Pattern VIEW_NAME =
            Pattern.compile("CREATE\\s+OR\\s+REPLACE\\s+TEMPORARY\\s+VIEW\\s+(\\w+)", Pattern.CASE_INSENSITIVE);

    private ResultViews() {
    }

    /** The text of the view definitions file. */
    public static String script() {
        try (InputStream in = ResultViews.class.getResourceAsStream(VIEWS_RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("view definitions " + VIEWS_RESOURCE + " are missing from the classpath");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read view definitions " + VIEWS_RESOURCE, e);
        }
    }

    /**
     * Splits a script into statements: a statement ends with a semicolon at the end of a line, lines
     * starting with {@code --} are comments. The notebooks split the same file with the same rule.
     */
    public static List<String> statements(String script) {
        List<String> statements = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        for (String line : script.split("\\R")) {
            String trimmed = line.strip();
            if (trimmed.startsWith("--")) {
                continue;
            }
            if (trimmed.endsWith(";")) {
                current.append(line, 0, line.lastIndexOf(';')).append('\n');
                addIfNotBlank(statements, current);
                current.setLength(0);
            } else {
                current.append(line).append('\n');
            }
        }
        addIfNotBlank(statements, current);
        return List.copyOf(statements);
    }

    private static void addIfNotBlank(List<String> statements, StringBuilder sql) {
        String s = sql.toString().strip();
        if (!s.isEmpty()) {
            statements.add(s);
        }
    }

    /** The statements of the shipped view definitions. */
    public static List<String> statements() {
        return statements(script());
    }

    /** Names of the views that {@link #registerViews} creates, in definition order. */
    public static List<String> viewNames() {
        List<String> names = new ArrayList<>();
        for (String statement : statements()) {
            Matcher m = VIEW_NAME.matcher(statement);
            if (m.find()) {
                names.add(m.group(1));
            }
        }
        return List.copyOf(names);
    }

    /**
     * Reads the results table at {@code resultsPath} in the format it is stored in (Delta when it has a
     * transaction log, else Parquet, whose partition directories task=/run_date= become columns), registers it as
     * {@value #RESULTS_TABLE} and creates the views. Runs with json tasks add their json_&lt;task&gt; columns: a
     * Parquet table is read with its files' schemas merged (without the merge Spark would show the columns of
     * whichever file it looked at first), a Delta table's schema already holds every run's columns.
     */
    public static Dataset<Row> register(SparkSession spark, String resultsPath) {
        requireExists(spark, resultsPath);
        ResultsTable table = ResultsTable.at(spark, resultsPath);
        Dataset<Row> results;
        try {
            results = table.read();
        } catch (Exception e) {
            // AnalysisException is checked in Java's eyes but undeclared. Spark says "Unable to infer
            // schema" or "Path does not exist"; name the option the user gave.
            throw new IllegalArgumentException("--results " + resultsPath + ": cannot read a " + table.format().id()
                    + " results table there (" + firstLine(e.getMessage()) + ")", e);
        }
        results.createOrReplaceTempView(RESULTS_TABLE);
        registerViews(spark);
        return results;
    }

    /** Checked first so that a wrong path gives one clear line instead of Spark's warning with a stack trace. */
    private static void requireExists(SparkSession spark, String resultsPath) {
        org.apache.hadoop.fs.Path path = new org.apache.hadoop.fs.Path(resultsPath);
        boolean exists;
        try {
            exists = path.getFileSystem(spark.sparkContext().hadoopConfiguration()).exists(path);
        } catch (IOException | RuntimeException e) {
            throw new IllegalArgumentException("--results " + resultsPath + ": cannot access it (" + e.getMessage() + ")", e);
        }
        if (!exists) {
            throw new IllegalArgumentException("--results " + resultsPath + ": no such file or folder; pass the --output"
                    + " folder of 'phi3v run' or the results folder printed by 'phi3v demo'");
        }
    }

    /** Creates the views over an already registered {@value #RESULTS_TABLE}. */
    public static void registerViews(SparkSession spark) {
        for (String statement : statements()) {
            try {
                spark.sql(statement);
            } catch (Exception e) {
                // Spark's AnalysisException is checked in Java's eyes but undeclared, hence the broad catch.
                throw new IllegalStateException("view definition in " + VIEWS_RESOURCE
                        + " does not match the results table: " + firstLine(e.getMessage()) + "\n" + statement, e);
            }
        }
    }

    private static String firstLine(String message) {
        if (message == null) {
            return "no message";
        }
        int nl = message.indexOf('\n');
        return nl < 0 ? message : message.substring(0, nl);
    }
}
