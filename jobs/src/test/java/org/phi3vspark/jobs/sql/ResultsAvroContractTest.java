package org.phi3vspark.jobs.sql;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.apache.avro.LogicalTypes;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericRecord;
import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.avro.AvroParquetReader;
import org.apache.parquet.avro.AvroReadSupport;
import org.apache.parquet.avro.AvroSchemaConverter;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.ParquetReader;
import org.apache.parquet.hadoop.util.HadoopInputFile;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The results table contract: files written by the Spark job are read back with parquet-avro alone (no
 * Spark) and checked against conf/results.avsc, field by field and row by row.
 */
class ResultsAvroContractTest {
    static Schema contract;
    static List<Path> files;
    static final Configuration CONF = new Configuration();

    static {
        // Spark writes standard 3-level lists (list/element); read them as plain Avro arrays.
        CONF.setBoolean(AvroSchemaConverter.ADD_LIST_ELEMENT_RECORDS, false);
        CONF.setBoolean(org.apache.parquet.avro.AvroWriteSupport.WRITE_OLD_LIST_STRUCTURE, false);
    }

    @BeforeAll
    static void writeWithSpark() throws IOException {
        contract = SyntheticResults.schema();
        Path table = TinyResults.table();
        try (Stream<Path> s = Files.walk(table)) {
            // Spark's readers skip names starting with _ or . (the run summaries, checksums); so does this.
            files = s.filter(p -> p.getFileName().toString().endsWith(".parquet"))
                    .filter(p -> !hiddenPath(table.relativize(p)))
                    .sorted().toList();
        }
        assertFalse(files.isEmpty(), "no Parquet files under " + table);
    }

    private static boolean hiddenPath(Path relative) {
        for (Path part : relative) {
            String n = part.toString();
            if (n.startsWith("_") || n.startsWith(".")) {
                return true;
            }
        }
        return false;
    }

    /** Each file's own schema, converted to Avro, has exactly the contract's fields with the same types. */
    @Test
    void fileSchemasMatchTheAvroContract() throws IOException {
        for (Path f : files) {
            Schema fileSchema;
            try (ParquetFileReader reader = ParquetFileReader.open(HadoopInputFile.fromPath(hadoopPath(f), CONF))) {
                fileSchema = new AvroSchemaConverter(CONF).convert(reader.getFooter().getFileMetaData().getSchema());
            }
            assertSameShape(contract, fileSchema, f.getFileName() + ":");
        }
    }

    /** Reading with the contract as the read schema gives sensible rows: one per request, status rules kept. */
    @Test
    void rowsReadWithTheContractSchemaAreConsistent() throws IOException {
        Configuration conf = new Configuration(CONF);
        AvroReadSupport.setAvroReadSchema(conf, contract);
        AvroReadSupport.setRequestedProjection(conf, contract);
        int rows = 0;
        int errors = 0;
        int videos = 0;
        Set<String> keys = new HashSet<>();
        for (Path f : files) {
            String task = partitionValue(f, "task");
            assertNotNull(partitionValue(f, "run_date"), f + " lies in a run_date=... folder");
            try (ParquetReader<GenericRecord> reader = AvroParquetReader.<GenericRecord>builder(
                    HadoopInputFile.fromPath(hadoopPath(f), conf)).withConf(conf).build()) {
                for (GenericRecord r = reader.read(); r != null; r = reader.read()) {
                    rows++;
                    String where = f.getFileName() + " item " + r.get("item_id");
                    assertNotNull(r.get("run_id"), where);
                    assertNotNull(r.get("item_id"), where);
                    // a row has images or a video: the video's sampled frames are its images
                    boolean video = r.get("video_uri") != null;
                    List<?> images = (List<?>) (video ? r.get("frame_timestamps") : r.get("image_uris"));
                    assertFalse(images.isEmpty(), where);
                    assertNull(video ? r.get("image_uris") : r.get("frame_timestamps"), where);
                    videos += video ? 1 : 0;
                    assertTrue(keys.add(String.valueOf(r.get("request_key"))), where + ": duplicate request_key");
                    // parquet-avro applies the contract's timestamp-micros logical type: an Instant
                    Object created = r.get("created_at");
                    assertTrue(created instanceof java.time.Instant i && i.isAfter(java.time.Instant.parse(
                            "2020-01-01T00:00:00Z")), where + ": created_at " + created);
                    String status = String.valueOf(r.get("status"));
                    if (status.equals("ok")) {
                        assertNotNull(r.get("response"), where);
                        assertNull(r.get("error"), where);
                        assertNotNull(r.get("finish_reason"), where);
                        int outputTokens = (Integer) r.get("output_tokens");
                        int budget = TinyResults.maxNewTokens(task);
                        assertTrue(outputTokens >= 0 && outputTokens <= budget, where + ": max_new_tokens " + budget);
                        assertTrue((Integer) r.get("image_tokens") > 0, where);
                        assertTrue((Integer) r.get("prompt_tokens") > (Integer) r.get("image_tokens"), where);
                        GenericRecord gen = (GenericRecord) r.get("generation");
                        assertEquals(budget, gen.get("max_new_tokens"), where);
                        assertEquals(1, r.get("num_crops"), where);
                        List<?> sizes = (List<?>) r.get("image_sizes");
                        assertEquals(images.size(), sizes.size(), where);
                        switch (task) {
                            case "caption" -> assertNotNull(r.get("caption"), where);
                            case "ocr" -> assertNotNull(((GenericRecord) r.get("ocr")).get("lines"), where);
                            case "chart" -> {
                                // decoded under the chart schema: even random weights write a valid chart
                                GenericRecord chart = (GenericRecord) r.get("chart");
                                assertNull(chart.get("parse_error"), where);
                                assertNotNull(chart.get("series"), where);
                                assertNotNull(r.get("closed_early"), where);
                            }
                            case "video_summary" -> assertTrue(video && images.get(0) instanceof Double, where);
                            default -> throw new AssertionError("unexpected task folder " + task);
                        }
                    } else {
                        assertEquals("error", status, where);
                        errors++;
                        assertNull(r.get("response"), where);
                        assertTrue(Set.of("read", "decode").contains(String.valueOf(r.get("error_stage"))), where);
                        assertTrue(String.valueOf(r.get("error")).contains("empty.png"), where + " names the URI");
                        assertEquals(TinyResults.BROKEN_ITEM, String.valueOf(r.get("item_id")));
                    }
                }
            }
        }
        assertEquals(TinyResults.expectedRows(), rows, "one row per manifest row");
        assertEquals(1, errors, "one read/decode error row, for the zero-byte image");
        assertEquals(1, videos, "the sample clip's row");
        assertEquals(TinyResults.summary().rowsWritten(), rows, "run summary counts the same rows");
    }

    private static org.apache.hadoop.fs.Path hadoopPath(Path p) {
        return new org.apache.hadoop.fs.Path(p.toUri());
    }

    private static String partitionValue(Path file, String column) {
        for (Path part : file) {
            String n = part.toString();
            if (n.startsWith(column + "=")) {
                return n.substring(column.length() + 1);
            }
        }
        return null;
    }

    /** Same field names in the same order, same primitive and logical types, same nesting; record names may differ. */
    static void assertSameShape(Schema expected, Schema actual, String where) {
        Schema e = SyntheticResults.nonNull(expected);
        Schema a = SyntheticResults.nonNull(actual);
        assertEquals(e.getType(), a.getType(), where + " type");
        switch (e.getType()) {
            case RECORD -> {
                List<String> en = new ArrayList<>();
                e.getFields().forEach(f -> en.add(f.name()));
                List<String> an = new ArrayList<>();
                a.getFields().forEach(f -> an.add(f.name()));
                assertEquals(en, an, where + " fields");
                for (Schema.Field f : e.getFields()) {
                    assertSameShape(f.schema(), a.getField(f.name()).schema(), where + "." + f.name());
                }
            }
            case ARRAY -> assertSameShape(e.getElementType(), a.getElementType(), where + "[]");
            case LONG, INT -> assertEquals(logical(e), logical(a), where + " logical type");
            default -> { }
        }
    }

    private static String logical(Schema s) {
        return s.getLogicalType() == null ? "none" : s.getLogicalType().getName();
    }

    @Test
    void contractDeclaresMicrosTimestamps() {
        Schema created = SyntheticResults.nonNull(contract.getField("created_at").schema());
        assertEquals(LogicalTypes.timestampMicros().getName(), created.getLogicalType().getName());
    }
}
