package org.phi3vspark.jobs;

import org.phi3vspark.model.cli.BenchCommand;
import org.phi3vspark.model.cli.GenerateCommand;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * Entry point of bin/phi3v and of spark-submit ({@code --class org.phi3vspark.jobs.Phi3vCli}).
 * Subcommands: run (the batch job), generate (one request), bench (timing of one request or a workload), demo and sql.
 */
@Command(name = "phi3v", mixinStandardHelpOptions = true, version = "phi3v-spark 0.1.0",
        description = "Phi-3.5-vision-instruct over image datasets with Spark.",
        subcommands = {RunCommand.class, GenerateCommand.class, BenchCommand.class})
public final class Phi3vCli implements Runnable {

    /** Optional subcommands, added when their classes are on the classpath. */
    private static final String[][] OPTIONAL = {
        {"demo", "org.phi3vspark.jobs.demo.DemoCommand"},
        {"sql", "org.phi3vspark.jobs.sql.SqlCommand"}};

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    public static CommandLine commandLine() {
        CommandLine cli = new CommandLine(new Phi3vCli());
        for (String[] sub : OPTIONAL) {
            try {
                Class<?> c = Class.forName(sub[1]);
                cli.addSubcommand(sub[0], c.getDeclaredConstructor().newInstance());
            } catch (ReflectiveOperationException e) {
                // Not built into this jar: the subcommand is simply absent.
            }
        }
        cli.setExecutionExceptionHandler((ex, commandLine, parseResult) -> {
            commandLine.getErr().println("phi3v: " + (ex.getMessage() == null ? ex.toString() : ex.getMessage()));
            if (Boolean.getBoolean("phi3v.stacktrace")) {
                ex.printStackTrace(commandLine.getErr());
            } else {
                commandLine.getErr().println("(run with -Dphi3v.stacktrace=true for the stack trace)");
            }
            return 1;
        });
        return cli;
    }

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }
}
