package org.phi3vspark.jobs;

import java.util.Arrays;
import org.apache.spark.SparkConf;

/**
 * The session settings Delta's SQL needs ({@code delta.`path`}, {@code VERSION AS OF}, {@code DESCRIBE HISTORY}):
 * its SQL extension and its catalog. They are static settings, so they go into the conf before the session
 * starts. Writing and reading through the DataFrame API works without them.
 */
public final class DeltaSessionConf {

    static final String EXTENSIONS = "spark.sql.extensions";
    static final String DELTA_EXTENSION = "io.delta.sql.DeltaSparkSessionExtension";
    static final String SESSION_CATALOG = "spark.sql.catalog.spark_catalog";
    static final String DELTA_CATALOG = "org.apache.spark.sql.delta.catalog.DeltaCatalog";

    private DeltaSessionConf() {
    }

    /** Adds Delta's extension to the configured ones and makes its catalog the session catalog unless one is set. */
    public static SparkConf addTo(SparkConf conf) {
        String extensions = conf.get(EXTENSIONS, "").trim();
        if (!Arrays.asList(extensions.split("\\s*,\\s*")).contains(DELTA_EXTENSION)) {
            conf.set(EXTENSIONS, extensions.isEmpty() ? DELTA_EXTENSION : extensions + "," + DELTA_EXTENSION);
        }
        conf.setIfMissing(SESSION_CATALOG, DELTA_CATALOG);
        return conf;
    }
}
