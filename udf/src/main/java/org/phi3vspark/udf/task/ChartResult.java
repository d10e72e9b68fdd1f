package org.phi3vspark.udf.task;

import java.util.List;

/**
 * Typed {@code chart} column. When the model's answer is not usable JSON, every field is null except
 * {@code parseError}, which says why.
 */
public record ChartResult(String chartType, String title, String xLabel, String yLabel, List<Series> series,
                          String parseError) {

    /** One data series; {@code points} in the order the model gave them. */
    public record Series(String name, List<Point> points) {
    }

    /** x kept as text (category labels and numbers alike); y null when the model gave no number. */
    public record Point(String x, Double y) {
    }

    public static ChartResult failed(String parseError) {
        return new ChartResult(null, null, null, null, null, parseError);
    }

    public boolean ok() {
        return parseError == null;
    }
}
