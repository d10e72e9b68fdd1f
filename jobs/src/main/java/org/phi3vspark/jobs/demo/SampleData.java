package org.phi3vspark.jobs.demo;

import java.util.List;

/**
 * The known content of the sample images. It lives in code (not only in pixels) so that tests can
 * check the drawings against it and so that a run with the real model can be compared with the truth.
 */
public final class SampleData {
    private SampleData() {
    }

    /** A bar chart: one value per category. */
    public record BarChart(String title, String xLabel, String yLabel, String seriesName, List<String> categories,
                           List<Double> values) {
        public BarChart {
            if (categories.size() != values.size()) {
                throw new IllegalArgumentException("bar chart '" + title + "': " + categories.size()
                        + " categories but " + values.size() + " values");
            }
            categories = List.copyOf(categories);
            values = List.copyOf(values);
        }
    }

    /** A line chart: one or more series over the same x positions. */
    public record LineChart(String title, String xLabel, String yLabel, List<String> x, List<Series> series) {
        public LineChart {
            for (Series s : series) {
                if (s.values().size() != x.size()) {
                    throw new IllegalArgumentException("line chart '" + title + "', series '" + s.name() + "': "
                            + s.values().size() + " values for " + x.size() + " x positions");
                }
            }
            x = List.copyOf(x);
            series = List.copyOf(series);
        }
    }

    /** One named series of y values. */
    public record Series(String name, List<Double> values) {
        public Series {
            values = List.copyOf(values);
        }
    }

    public static final BarChart BAR_CHART = new BarChart(
            "Quarterly revenue 2024", "Quarter", "Revenue (million USD)", "Revenue",
            List.of("Q1", "Q2", "Q3", "Q4"),
            List.of(12.0, 18.0, 9.0, 24.0));

    public static final LineChart LINE_CHART = new LineChart(
            "Average temperature in Oslo", "Month", "Temperature (C)",
            List.of("Jan", "Feb", "Mar", "Apr", "May", "Jun"),
            List.of(new Series("2023", List.of(-4.0, -3.0, 1.0, 6.0, 11.0, 15.0)),
                    new Series("2024", List.of(-6.0, -2.0, 2.0, 7.0, 12.0, 17.0))));

    /** The invoice page, line by line, exactly as drawn. */
    public static final List<String> INVOICE_LINES = List.of(
            "INVOICE No. 2024-0117",
            "Date: 2024-03-15",
            "Bill to: Northwind Traders, 12 Harbour Road, Bergen",
            "Item                      Qty   Price   Amount",
            "Blue widget                 4   12.50    50.00",
            "Red gadget                  2   30.00    60.00",
            "Green sprocket             10    1.75    17.50",
            "Subtotal                                127.50",
            "VAT 25%                                  31.88",
            "Total due                               159.38",
            "Payment within 30 days. Thank you!");

    /** Page 1 of the two-page document (the multi-image item). */
    public static final List<String> REPORT_PAGE_1 = List.of(
            "Field report - page 1",
            "Site: North quarry",
            "Inspector: A. Berg",
            "Weather: clear, 14 C",
            "Findings start on page 2.");

    /** Page 2 of the two-page document. */
    public static final List<String> REPORT_PAGE_2 = List.of(
            "Field report - page 2",
            "1. Fence damaged near gate B",
            "2. Drainage blocked at pit 3",
            "3. Signage missing on access road",
            "Status: repairs scheduled for May");
}
