package org.phi3vspark.udf.exec;

import org.phi3vspark.udf.row.ResultRow.Timings;

/** One item's own time per stage, summed over its images; a stage it never reached stays null. */
final class Stopwatch {

    /** The item's stages before the model; the model reports its own prefill and decode times. */
    enum Stage { READ, IMAGE_DECODE, PREPROCESS }

    /** A timed step; may throw the stage's checked exception. */
    interface Step<T, E extends Exception> {
        T run() throws E;
    }

    private final Double[] millis = new Double[Stage.values().length];

    <T, E extends Exception> T time(Stage stage, Step<T, E> step) throws E {
        long t0 = System.nanoTime();
        try {
            return step.run();
        } finally {
            double ms = (System.nanoTime() - t0) / 1e6;
            Double sum = millis[stage.ordinal()];
            millis[stage.ordinal()] = sum == null ? ms : sum + ms;
        }
    }

    /** With the model's own prefill and decode times of the item's request (null when it never ran). */
    Timings timings(Double prefillMs, Double decodeMs) {
        return new Timings(millis[Stage.READ.ordinal()], millis[Stage.IMAGE_DECODE.ordinal()],
                millis[Stage.PREPROCESS.ordinal()], prefillMs, decodeMs);
    }
}
