package org.phi3vspark.jobs.demo;

import java.io.PrintWriter;
import java.util.Locale;

/**
 * Prints progress as lines ("demo checkpoint:  40% tensor 31/79 ...") at every tenth of the work, so
 * that logs stay readable when the output is not a terminal.
 */
public final class ConsoleProgress implements ProgressListener {
    private final PrintWriter out;
    private final long startNanos = System.nanoTime();
    private String stage;
    private int lastTenth = -1;

    public ConsoleProgress(PrintWriter out) {
        this.out = out;
    }

    @Override
    public void update(String stage, long done, long total, String detail) {
        if (!stage.equals(this.stage)) {
            this.stage = stage;
            lastTenth = -1;
        }
        if (total <= 0) {
            out.println(stage + ": " + detail);
            out.flush();
            return;
        }
        int tenth = (int) Math.min(10, done * 10 / total);
        if (tenth > lastTenth) {
            lastTenth = tenth;
            double seconds = (System.nanoTime() - startNanos) / 1e9;
            out.println(String.format(Locale.ROOT, "%s: %3d%% %s (%.1f s)", stage, tenth * 10, detail, seconds));
            out.flush();
        }
    }
}
