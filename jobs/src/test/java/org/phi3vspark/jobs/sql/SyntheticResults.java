package org.phi3vspark.jobs.sql;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.avro.AvroParquetWriter;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.util.HadoopOutputFile;

/**
 * A small results table with known content, written with parquet-avro from conf/results.avsc in the
 * job's layout (task=/run_date= directories). It has what a random-weight model never produces
 * (parsed charts, OCR lines, reruns), so the views can be checked value by value.
 */
public final class SyntheticResults {
    /** Location of conf/ from the jobs module (surefire's working directory). */
    public static Path confDir() {
        return Path.of(System.getProperty("phi3v.conf.dir", "../conf"));
    }

    public static Schema schema() throws IOException {
        return new Schema.Parser().parse(confDir().resolve("results.avsc").toFile());
    }

    private final Schema schema;
    private final List<Written> rows = new ArrayList<>();

    private record Written(String task, LocalDate runDate, GenericRecord record) {
    }

    public SyntheticResults() throws IOException {
        this.schema = schema();
    }

    /** A record with the common columns set; callers add the task's typed column. */
    public GenericRecord base(String runId, String itemId, String task, String status, Instant createdAt) {
        GenericRecord r = new GenericData.Record(schema);
        r.put("run_id", runId);
        r.put("item_id", itemId);
        r.put("image_uris", List.of("file:///data/" + itemId + ".png"));
        r.put("prompt", "prompt for " + task);
        r.put("status", status);
        r.put("model", "/models/tiny");
        r.put("model_revision", "abc123");
        r.put("num_crops", 4);
        r.put("prompt_tokens", 200);
        r.put("image_tokens", 150);
        r.put("latency_ms", 1234L);
        r.put("device", "cpu()");
        r.put("content_key", "ck-" + itemId);
        r.put("request_key", "rk-" + itemId + "-" + task);
        r.put("created_at", createdAt.getEpochSecond() * 1_000_000L + createdAt.getNano() / 1000);
        Schema genSchema = nonNull(schema.getField("generation").schema());
        GenericRecord gen = new GenericData.Record(genSchema);
        gen.put("max_new_tokens", 64);
        gen.put("temperature", 0.0);
        gen.put("top_k", 0);
        gen.put("top_p", 1.0);
        gen.put("seed", 0L);
        r.put("generation", gen);
        Schema sizeSchema = nonNull(nonNull(schema.getField("image_sizes").schema()).getElementType());
        GenericRecord size = new GenericData.Record(sizeSchema);
        size.put("width", 640);
        size.put("height", 480);
        r.put("image_sizes", List.of(size));
        if ("error".equals(status)) {
            r.put("error", "cannot decode file:///data/" + itemId + ".png: truncated PNG");
            r.put("error_stage", "decode");
        } else {
            r.put("finish_reason", "stop");
            r.put("output_tokens", 12);
        }
        return r;
    }

    public SyntheticResults caption(String runId, String itemId, Instant at, String caption) {
        GenericRecord r = base(runId, itemId, "caption", "ok", at);
        r.put("response", caption);
        r.put("caption", caption);
        return add("caption", at, r);
    }

    public SyntheticResults ocr(String runId, String itemId, Instant at, List<String> lines) {
        GenericRecord r = base(runId, itemId, "ocr", "ok", at);
        String text = String.join("\n", lines);
        r.put("response", text);
        GenericRecord ocr = new GenericData.Record(nonNull(schema.getField("ocr").schema()));
        ocr.put("text", text);
        ocr.put("lines", lines);
        r.put("ocr", ocr);
        return add("ocr", at, r);
    }

    /** A parsed chart with one series per entry of {@code series}, x labels shared. */
    public SyntheticResults chart(String runId, String itemId, Instant at, String title, List<String> x,
                                  List<String> seriesNames, List<List<Double>> series) {
        GenericRecord r = base(runId, itemId, "chart", "ok", at);
        Schema chartSchema = nonNull(schema.getField("chart").schema());
        Schema seriesSchema = nonNull(nonNull(chartSchema.getField("series").schema()).getElementType());
        Schema pointSchema = nonNull(nonNull(seriesSchema.getField("points").schema()).getElementType());
        GenericRecord chart = new GenericData.Record(chartSchema);
        chart.put("chart_type", "bar");
        chart.put("title", title);
        chart.put("x_label", "x");
        chart.put("y_label", "y");
        List<GenericRecord> allSeries = new ArrayList<>();
        for (int s = 0; s < series.size(); s++) {
            GenericRecord sr = new GenericData.Record(seriesSchema);
            sr.put("name", seriesNames.get(s));
            List<GenericRecord> points = new ArrayList<>();
            for (int i = 0; i < x.size(); i++) {
                GenericRecord p = new GenericData.Record(pointSchema);
                p.put("x", x.get(i));
                p.put("y", series.get(s).get(i));
                points.add(p);
            }
            sr.put("points", points);
            allSeries.add(sr);
        }
        chart.put("series", allSeries);
        r.put("chart", chart);
        r.put("response", "{\"chart_type\": \"bar\"}");
        return add("chart", at, r);
    }

    /** A chart row whose JSON did not parse: like the job, an error row (stage parse) that keeps the response. */
    public SyntheticResults unparsedChart(String runId, String itemId, Instant at) {
        GenericRecord r = base(runId, itemId, "chart", "error", at);
        r.put("error", "chart answer of item " + itemId + " could not be parsed: no JSON object in the response");
        r.put("error_stage", "parse");
        r.put("finish_reason", "length");
        r.put("output_tokens", 64);
        GenericRecord chart = new GenericData.Record(nonNull(schema.getField("chart").schema()));
        chart.put("parse_error", "no JSON object in the response");
        r.put("chart", chart);
        r.put("response", "a chart");
        return add("chart", at, r);
    }

    public SyntheticResults error(String runId, String itemId, String task, Instant at) {
        return add(task, at, base(runId, itemId, task, "error", at));
    }

    private SyntheticResults add(String task, Instant at, GenericRecord r) {
        rows.add(new Written(task, LocalDate.ofInstant(at, ZoneOffset.UTC), r));
        return this;
    }

    /** Writes one Parquet file per (task, run_date) directory under {@code table}. */
    public Path write(Path table) throws IOException {
        Configuration conf = new Configuration();
        List<String> done = new ArrayList<>();
        for (Written w : rows) {
            String dir = "task=" + w.task() + "/run_date=" + w.runDate();
            if (done.contains(dir)) {
                continue;
            }
            done.add(dir);
            Path folder = table.resolve(dir);
            Files.createDirectories(folder);
            org.apache.hadoop.fs.Path file = new org.apache.hadoop.fs.Path(folder.resolve("part-00000.parquet").toUri());
            try (ParquetWriter<GenericRecord> writer = AvroParquetWriter.<GenericRecord>builder(
                    HadoopOutputFile.fromPath(file, conf)).withSchema(schema).withConf(conf).build()) {
                for (Written other : rows) {
                    if (other.task().equals(w.task()) && other.runDate().equals(w.runDate())) {
                        writer.write(other.record());
                    }
                }
            }
        }
        return table;
    }

    static Schema nonNull(Schema s) {
        if (s.getType() != Schema.Type.UNION) {
            return s;
        }
        return s.getTypes().stream().filter(t -> t.getType() != Schema.Type.NULL).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("union without a non-null branch: " + s));
    }
}
