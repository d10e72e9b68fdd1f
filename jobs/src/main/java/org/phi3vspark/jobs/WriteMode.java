package org.phi3vspark.jobs;

import java.util.Locale;

/** How a run treats an existing results table. */
public enum WriteMode {
    /**
     * Default: append, skipping requests (content key, task, prompt, settings, model revision) that already
     * have an ok row; earlier error rows stay as history and their requests run again.
     */
    SKIP_DONE,
    /** Replace the whole table with this run's rows. */
    OVERWRITE;

    public static WriteMode parse(String s) {
        try {
            return valueOf(s.trim().toUpperCase(Locale.ROOT).replace('-', '_'));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--mode " + s + " is not a write mode; use skip-done or overwrite", e);
        }
    }

    public String id() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }
}
