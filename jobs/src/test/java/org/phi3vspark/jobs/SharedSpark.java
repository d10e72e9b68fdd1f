package org.phi3vspark.jobs;

import org.apache.spark.sql.SparkSession;

/** The one local[2] session of this test JVM: no UI, two shuffle partitions, loopback only. */
public final class SharedSpark {

    private static SparkSession spark;

    private SharedSpark() {
    }

    public static synchronized SparkSession get() {
        if (spark == null) {
            spark = SparkSession.builder()
                    .master("local[2]")
                    .appName("phi3v-jobs-tests")
                    .config("spark.ui.enabled", "false")
                    .config("spark.sql.shuffle.partitions", "2")
                    .config("spark.driver.bindAddress", "127.0.0.1")
                    .config("spark.driver.host", "127.0.0.1")
                    .getOrCreate();
        }
        return spark;
    }
}
