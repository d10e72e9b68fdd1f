package org.phi3vspark.jobs;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.phi3vspark.model.cli.BenchCommand;
import org.phi3vspark.model.cli.GenerateCommand;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.MissingParameterException;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.UnmatchedArgumentException;

/**
 * Entry point of bin/phi3v and of spark-submit ({@code --class org.phi3vspark.jobs.Phi3vCli}).
 * Subcommands: run (the batch job), generate (one request), bench (timing of one request or a workload), demo and sql.
 * generate and bench need no Spark, so they also run from the cluster jar with plain {@code java}; there the
 * Spark commands say how to start them instead of failing on a missing class.
 */
@Command(name = "phi3v", mixinStandardHelpOptions = true, version = "phi3v-spark 0.1.0",
        description = "Phi-3.5-vision-instruct over image datasets with Spark.",
        subcommands = {GenerateCommand.class, BenchCommand.class})
public final class Phi3vCli implements Runnable {

    /** Subcommands that need Spark on the classpath (the cluster jar leaves it to spark-submit). */
    private static final String[][] SPARK_COMMANDS = {
        {"run", "org.phi3vspark.jobs.RunCommand"},
        {"demo", "org.phi3vspark.jobs.demo.DemoCommand"},
        {"sql", "org.phi3vspark.jobs.sql.SqlCommand"}};
    private static final String SPARK_CLASS = "org.apache.spark.sql.SparkSession";

    @CommandLine.Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** Stands in for a Spark command when Spark is not on the classpath. */
    @Command(description = "Needs Spark: run it with spark-submit, or with bin/phi3v from a source checkout.")
    static final class NeedsSpark implements Callable<Integer> {
        @CommandLine.Spec
        CommandSpec spec;

        @CommandLine.Unmatched
        List<String> ignored = new ArrayList<>();

        @Override
        public Integer call() {
            spec.commandLine().getErr().println("phi3v " + spec.name() + " needs Spark, which is not on the"
                    + " classpath (the cluster jar leaves Spark to the cluster): run it with spark-submit --class "
                    + Phi3vCli.class.getName() + " JAR " + spec.name() + " ..., or with bin/phi3v from a source"
                    + " checkout. generate and bench run with plain java.");
            return 1;
        }
    }

    public static CommandLine commandLine() {
        CommandLine cli = new CommandLine(new Phi3vCli());
        boolean spark = onClasspath(SPARK_CLASS);
        for (String[] sub : SPARK_COMMANDS) {
            if (spark) {
                cli.addSubcommand(sub[0], newInstance(sub[1]));
            } else {
                cli.addSubcommand(sub[0], new NeedsSpark());
            }
        }
        cli.setParameterExceptionHandler(Phi3vCli::reportBadArguments);
        cli.setExecutionExceptionHandler((ex, commandLine, parseResult) -> {
            commandLine.getErr().println("phi3v: " + (ex.getMessage() == null ? ex.toString() : ex.getMessage()));
            if (Boolean.getBoolean("phi3v.stacktrace")) {
                ex.printStackTrace(commandLine.getErr());
            } else {
                commandLine.getErr().println("(for the stack trace set JAVA_OPTS=-Dphi3v.stacktrace=true with"
                        + " bin/phi3v, or pass --driver-java-options -Dphi3v.stacktrace=true to spark-submit)");
            }
            return 1;
        });
        return cli;
    }

    /**
     * picocli's report of bad arguments, except that a misspelt option is named even when a required option is
     * missing too ({@code --inptu x} leaves {@code --input} unset; picocli would report only the latter).
     */
    private static int reportBadArguments(ParameterException ex, String[] args) {
        CommandLine cmd = ex.getCommandLine();
        ParameterException shown = ex;
        List<String> unknown = unknownOptions(cmd, args);
        if (ex instanceof MissingParameterException && !unknown.isEmpty()) {
            shown = new UnmatchedArgumentException(cmd, unknown);
        }
        PrintWriter err = cmd.getErr();
        err.println(shown.getMessage());
        if (!UnmatchedArgumentException.printSuggestions(shown, err)) {
            cmd.usage(err);
        }
        return cmd.getCommandSpec().exitCodeOnInvalidInput();
    }

    /** Long options in {@code args} that neither {@code cmd} nor its parents know, up to an end-of-options "--". */
    private static List<String> unknownOptions(CommandLine cmd, String[] args) {
        List<String> unknown = new ArrayList<>();
        for (String arg : args) {
            if (arg.equals("--")) {
                break;
            }
            if (!arg.startsWith("--")) {
                continue;
            }
            String name = arg.contains("=") ? arg.substring(0, arg.indexOf('=')) : arg;
            boolean known = false;
            for (CommandLine c = cmd; c != null && !known; c = c.getParent()) {
                known = c.getCommandSpec().findOption(name) != null;
            }
            if (!known) {
                unknown.add(arg);
            }
        }
        return unknown;
    }

    private static boolean onClasspath(String className) {
        try {
            Class.forName(className, false, Phi3vCli.class.getClassLoader());
            return true;
        } catch (ClassNotFoundException e) {
            return false;
        }
    }

    private static Object newInstance(String className) {
        try {
            return Class.forName(className).getDeclaredConstructor().newInstance();
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("cannot create subcommand " + className, e);
        }
    }

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }
}
