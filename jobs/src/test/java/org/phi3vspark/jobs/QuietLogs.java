package org.phi3vspark.jobs;

import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.config.Configurator;

/**
 * Silences Spark's own logging while a test provokes a failure on purpose: the executor and scheduler log the
 * failed task's stack trace, which the test asserts through the exception instead.
 */
final class QuietLogs implements AutoCloseable {

    private static final String SPARK = "org.apache.spark";
    private final Level before;

    QuietLogs() {
        before = LogManager.getLogger(SPARK).getLevel();
        Configurator.setAllLevels(SPARK, Level.OFF);
    }

    @Override
    public void close() {
        Configurator.setAllLevels(SPARK, before);
    }
}
