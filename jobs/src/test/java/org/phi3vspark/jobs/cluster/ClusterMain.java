package org.phi3vspark.jobs.cluster;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import org.apache.spark.SparkConf;
import org.apache.spark.SparkEnv;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.apache.spark.sql.SparkSession;
import org.phi3vspark.jobs.DeltaSessionConf;
import org.phi3vspark.jobs.Phi3vCli;
import org.phi3vspark.udf.exec.LoadedModels;
import org.phi3vspark.udf.snapshot.ModelCache;

/**
 * The driver of the multi-executor test, run in its own JVM: starts Spark with the settings given as KEY=VALUE
 * arguments (as spark-submit would), runs {@code phi3v} with the arguments after each {@code --}, one command after
 * the other in the same application, then asks every
 * executor JVM how often it loaded the model and copied the snapshot, and prints what it found as PROBE,
 * FAILED_TASKS and CLI_EXIT lines for the test to check.
 */
public final class ClusterMain {

    private ClusterMain() {
    }

    public static void main(String[] args) throws Exception {
        List<List<String>> parts = split(args);
        SparkConf conf = new SparkConf();
        for (String kv : parts.get(0)) {
            int eq = kv.indexOf('=');
            conf.set(kv.substring(0, eq), kv.substring(eq + 1));
        }
        // As RunCommand does when spark-submit starts it (here the session must exist first, for the listener).
        DeltaSessionConf.addTo(conf);
        SparkSession spark = SparkSession.builder().config(conf).getOrCreate();
        AtomicInteger failed = new AtomicInteger();
        List<String> reasons = new ArrayList<>();
        spark.sparkContext().addSparkListener(new SparkListener() {
            @Override
            public void onTaskEnd(SparkListenerTaskEnd end) {
                if (!end.taskInfo().successful()) {
                    failed.incrementAndGet();
                    synchronized (reasons) {
                        reasons.add(end.reason().toString().replace('\n', ' '));
                    }
                }
            }
        });
        int rc = 0;
        for (List<String> cli : parts.subList(1, parts.size())) {
            int exit = Phi3vCli.commandLine().execute(cli.toArray(new String[0]));
            System.out.println("CLI_EXIT " + exit);
            rc = rc != 0 ? rc : exit;
        }
        int executors = spark.sparkContext().getExecutorIds().size();
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        int n = 8 * Math.max(1, executors);
        List<String> probes = jsc.parallelize(IntStream.range(0, n).boxed().toList(), n)
                .mapPartitions(ClusterMain::probe).collect();
        probes.stream().distinct().sorted().forEach(p -> System.out.println("PROBE " + p));
        System.out.println("DRIVER pid=" + ProcessHandle.current().pid() + " copies=" + ModelCache.copiesInThisJvm());
        spark.sparkContext().listenerBus().waitUntilEmpty();
        System.out.println("FAILED_TASKS " + failed.get());
        synchronized (reasons) {
            reasons.forEach(r -> System.out.println("FAILED_TASK_REASON " + r));
        }
        spark.stop();
        System.exit(rc);
    }

    /** The arguments between the {@code --} separators: Spark settings first, then one list per command. */
    private static List<List<String>> split(String[] args) {
        List<List<String>> parts = new ArrayList<>(List.of(new ArrayList<>()));
        for (String a : args) {
            if (a.equals("--")) {
                parts.add(new ArrayList<>());
            } else {
                parts.get(parts.size() - 1).add(a);
            }
        }
        return parts;
    }

    /** Runs on an executor: which JVM this is, and what its model holder and model cache did. */
    private static Iterator<String> probe(Iterator<Integer> ignored) throws InterruptedException {
        // Long enough that every executor gets some of the probe tasks.
        Thread.sleep(250);
        return List.of("executor=" + SparkEnv.get().executorId() + " pid=" + ProcessHandle.current().pid()
                + " loads=" + LoadedModels.totalLoads() + " copies=" + ModelCache.copiesInThisJvm()).iterator();
    }
}
