package org.phi3vspark.jobs;

import org.apache.spark.SparkConf;
import org.apache.spark.sql.SparkSession;

/**
 * The one local[2] SparkSession of this test JVM: no UI, two shuffle partitions, loopback only, Delta's SQL on.
 * Spark allows one active context per JVM; starting it once keeps the tests fast. It is stopped by a shutdown hook.
 */
public final class SharedSpark {
    private static SparkSession session;
    private static boolean hookAdded;

    private SharedSpark() {
    }

    public static synchronized SparkSession get() {
        // Another test class of the JVM may have stopped the context it shared with us: start afresh then.
        if (session == null || session.sparkContext().isStopped()) {
            session = SparkSession.builder()
                    .config(DeltaSessionConf.addTo(new SparkConf(false)))
                    .master("local[2]")
                    .appName("phi3v-jobs-tests")
                    .config("spark.ui.enabled", "false")
                    .config("spark.driver.bindAddress", "127.0.0.1")
                    .config("spark.driver.host", "127.0.0.1")
                    .config("spark.sql.shuffle.partitions", "2")
                    .config("spark.sql.session.timeZone", "UTC")
                    .getOrCreate();
            session.sparkContext().setLogLevel("WARN");
            if (!hookAdded) {
                hookAdded = true;
                Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                    if (session != null) {
                        session.stop();
                    }
                }, "stop-shared-spark"));
            }
        }
        return session;
    }
}
