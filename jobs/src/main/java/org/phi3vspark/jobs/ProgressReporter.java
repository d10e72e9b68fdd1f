package org.phi3vspark.jobs;

import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import org.apache.spark.SparkContext;
import org.apache.spark.scheduler.AccumulableInfo;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerExecutorMetricsUpdate;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.apache.spark.util.LongAccumulator;
import org.phi3vspark.udf.exec.ProgressCounters;
import scala.Tuple4;

/**
 * Prints progress on the driver while the job runs: rows done of total, rate, tokens/s, errors, ETA.
 * Accumulator values reach the driver when tasks end; running tasks' values arrive with executor heartbeats,
 * which this listener adds so that long tasks still show movement.
 */
final class ProgressReporter extends SparkListener implements AutoCloseable {

    private final SparkContext sc;
    private final ProgressCounters counters;
    private final long total;
    private final Consumer<String> out;
    private final long startNanos = System.nanoTime();
    /** Latest heartbeat values of running tasks: task id to (accumulator id to value). */
    private final Map<Long, Map<Long, Long>> live = new ConcurrentHashMap<>();
    private final Thread thread;
    private volatile boolean stopped;

    ProgressReporter(SparkContext sc, ProgressCounters counters, long total, int intervalSeconds,
                     Consumer<String> out) {
        this.sc = sc;
        this.counters = counters;
        this.total = total;
        this.out = out;
        sc.addSparkListener(this);
        thread = new Thread(() -> {
            while (!stopped) {
                try {
                    Thread.sleep(intervalSeconds * 1000L);
                } catch (InterruptedException e) {
                    return;
                }
                if (!stopped) {
                    out.accept(line());
                }
            }
        }, "phi3v-progress");
        thread.setDaemon(true);
        thread.start();
    }

    @Override
    public void onExecutorMetricsUpdate(SparkListenerExecutorMetricsUpdate update) {
        for (Tuple4<Object, Object, Object, scala.collection.immutable.Seq<AccumulableInfo>> t
                : scala.jdk.javaapi.CollectionConverters.asJava(update.accumUpdates())) {
            Map<Long, Long> values = new ConcurrentHashMap<>();
            for (AccumulableInfo info : scala.jdk.javaapi.CollectionConverters.asJava(t._4())) {
                if (info.update().isDefined() && info.update().get() instanceof Long v) {
                    values.put(info.id(), v);
                }
            }
            live.put((Long) t._1(), values);
        }
    }

    @Override
    public void onTaskEnd(SparkListenerTaskEnd end) {
        live.remove(end.taskInfo().taskId());
    }

    long value(LongAccumulator acc) {
        long v = acc.value();
        for (Map<Long, Long> task : live.values()) {
            v += task.getOrDefault(acc.id(), 0L);
        }
        return v;
    }

    String line() {
        long done = Math.min(total, value(counters.items()));
        long errors = value(counters.errors());
        long tokens = value(counters.outputTokens());
        double secs = Math.max(1e-3, (System.nanoTime() - startNanos) / 1e9);
        double rate = done / secs;
        String eta = rate > 0 && done < total ? duration((total - done) / rate) : done >= total ? "0s" : "?";
        return String.format(Locale.ROOT, "[phi3v] %d/%d rows (%.0f%%), %.2f rows/s, %.1f output tokens/s,"
                        + " %d errors, elapsed %s, ETA %s", done, total, total == 0 ? 100.0 : 100.0 * done / total,
                rate, tokens / secs, errors, duration(secs), eta);
    }

    private static String duration(double seconds) {
        long s = Math.round(seconds);
        return s >= 3600 ? String.format(Locale.ROOT, "%dh%02dm", s / 3600, (s % 3600) / 60)
                : s >= 60 ? String.format(Locale.ROOT, "%dm%02ds", s / 60, s % 60) : s + "s";
    }

    @Override
    public void close() {
        stopped = true;
        thread.interrupt();
        sc.removeSparkListener(this);
        out.accept(line());
    }
}
