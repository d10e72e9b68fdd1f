package org.phi3vspark.jobs.demo;

/** Receives progress of long demo steps (checkpoint generation, the demo run). */
@FunctionalInterface
public interface ProgressListener {
    /**
     * @param stage short name of the step, for example "demo checkpoint"
     * @param done  units finished so far
     * @param total units in all (0 when unknown)
     * @param detail what is being worked on now
     */
    void update(String stage, long done, long total, String detail);

    /** A listener that ignores everything. */
    static ProgressListener none() {
        return (stage, done, total, detail) -> { };
    }
}
