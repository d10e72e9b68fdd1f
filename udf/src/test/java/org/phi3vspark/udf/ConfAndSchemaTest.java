package org.phi3vspark.udf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.spark.SparkConf;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;

/** Settings validation, the generated settings doc, and the Avro contract against the Spark schema. */
class ConfAndSchemaTest {

    @Test
    void settingsAreValidatedNamingTheKey() {
        Phi3vConf.Settings s = Phi3vConf.from(new SparkConf(false).set("spark.phi3v.batchSize", "8")
                .set("spark.phi3v.device", "cpu"));
        assertEquals(8, s.batchSize());
        assertEquals(DevicePolicy.CPU, s.device());
        var bad = assertThrows(IllegalArgumentException.class,
                () -> Phi3vConf.from(new SparkConf(false).set("spark.phi3v.batchSize", "0")));
        assertTrue(bad.getMessage().contains("spark.phi3v.batchSize"));
        var typo = assertThrows(IllegalArgumentException.class,
                () -> Phi3vConf.from(new SparkConf(false).set("spark.phi3v.batchsize", "4")));
        assertTrue(typo.getMessage().contains("spark.phi3v.batchsize"));
        assertThrows(IllegalArgumentException.class,
                () -> Phi3vConf.from(new SparkConf(false).set("spark.phi3v.device", "tpu")));
    }

    @Test
    void settingsDocIsGeneratedFromTheCode() throws IOException {
        String doc = Files.readString(Path.of("..", "conf", "SETTINGS.md"));
        assertTrue(doc.contains(Phi3vConf.markdownTable()), "regenerate conf/SETTINGS.md from Phi3vConf.markdownTable()");
        String readme = Files.readString(Path.of("..", "README.md"));
        assertTrue(readme.contains(Phi3vConf.markdownTable()), "README.md's settings table must be Phi3vConf.markdownTable()");
    }

    @Test
    void avroSchemaDescribesTheDataColumns() throws IOException {
        JsonObject avsc = JsonParser.parseString(Files.readString(Path.of("..", "conf", "results.avsc")))
                .getAsJsonObject();
        assertMatches("", ResultSchema.DATA, avsc);
    }

    private static void assertMatches(String path, StructType spark, JsonObject record) {
        JsonArray fields = record.getAsJsonArray("fields");
        assertEquals(spark.size(), fields.size(), path + ": field count");
        for (int i = 0; i < spark.size(); i++) {
            StructField f = spark.fields()[i];
            JsonObject af = fields.get(i).getAsJsonObject();
            assertEquals(f.name(), af.get("name").getAsString(), path + ": field " + i);
            assertType(path + "." + f.name(), f.dataType(), nonNull(af.get("type")));
        }
    }

    private static JsonElement nonNull(JsonElement union) {
        JsonArray u = union.getAsJsonArray();
        assertEquals("null", u.get(0).getAsString(), "every field is nullable");
        return u.get(1);
    }

    private static void assertType(String path, DataType t, JsonElement avro) {
        if (t instanceof StructType st) {
            assertMatches(path, st, avro.getAsJsonObject());
        } else if (t instanceof ArrayType at) {
            assertEquals("array", avro.getAsJsonObject().get("type").getAsString(), path);
            assertType(path + "[]", at.elementType(), nonNull(avro.getAsJsonObject().get("items")));
        } else if (t.equals(DataTypes.TimestampType)) {
            assertEquals("timestamp-micros", avro.getAsJsonObject().get("logicalType").getAsString(), path);
        } else {
            String expected = t.equals(DataTypes.StringType) ? "string" : t.equals(DataTypes.IntegerType) ? "int"
                    : t.equals(DataTypes.LongType) ? "long" : t.equals(DataTypes.DoubleType) ? "double" : "?";
            assertEquals(expected, avro.getAsString(), path);
        }
    }
}
