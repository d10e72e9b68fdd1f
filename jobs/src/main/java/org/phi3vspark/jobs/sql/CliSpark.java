package org.phi3vspark.jobs.sql;

import java.nio.file.Path;
import java.util.List;
import org.apache.spark.SparkConf;
import org.apache.spark.sql.SparkSession;
import org.phi3vspark.jobs.DeltaSessionConf;

/**
 * The Spark session of the small commands (sql, demo): the master and settings from spark-submit when
 * present, otherwise an embedded local session that stays on loopback and keeps its UI off; Delta's SQL is on
 * in both.
 */
public final class CliSpark {
    private CliSpark() {
    }

    public static SparkSession session(String appName) {
        return session(appName, List.of());
    }

    /** @param defaults {@code key=value} settings applied unless already set (by spark-submit or -D) */
    public static SparkSession session(String appName, List<String> defaults) {
        SparkConf conf = new SparkConf();
        conf.setIfMissing("spark.master", "local[*]");
        conf.setIfMissing("spark.app.name", appName);
        conf.setIfMissing("spark.ui.enabled", "false");
        conf.setIfMissing("spark.sql.session.timeZone", "UTC");
        for (String kv : defaults) {
            int eq = kv.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException("setting '" + kv + "' is not key=value");
            }
            conf.setIfMissing(kv.substring(0, eq), kv.substring(eq + 1));
        }
        // The catalog lives in memory for one command; Delta's delta.`path` SQL makes it create its warehouse folder,
        // which would otherwise appear, empty, in the user's working folder.
        conf.setIfMissing("spark.sql.warehouse.dir",
                Path.of(System.getProperty("java.io.tmpdir"), "phi3v-spark-warehouse").toUri().toString());
        DeltaSessionConf.addTo(conf);
        if (conf.get("spark.master").startsWith("local")) {
            conf.setIfMissing("spark.driver.bindAddress", "127.0.0.1");
            conf.setIfMissing("spark.driver.host", "127.0.0.1");
        }
        SparkSession spark = SparkSession.builder().config(conf).getOrCreate();
        spark.sparkContext().setLogLevel("WARN");
        return spark;
    }
}
