package org.phi3vspark.jobs.sql;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;

class TextTableTest {
    private static final StructType SCHEMA = new StructType().add("id", DataTypes.StringType)
            .add("text", DataTypes.StringType);

    @Test
    void flattensLinesDropsInvisibleCharactersAndCountsCodePoints() {
        String text = TextTable.render(SCHEMA, List.of(
                RowFactory.create("a", "line 1\nline 2\tend"),
                RowFactory.create("b", "e\u0301\u200b\u0007x \uD83D\uDE00"),
                RowFactory.create(null, "")), 0);
        assertEquals(String.join("\n",
                "+------+--------------------+",
                "| id   | text               |",
                "+------+--------------------+",
                "| a    | line 1\\nline 2 end |",
                "| b    | ex \uD83D\uDE00               |",
                "| NULL |                    |",
                "+------+--------------------+",
                ""), text);
    }

    @Test
    void cutsLongCellsWithoutSplittingCharacters() {
        String text = TextTable.render(SCHEMA, List.<org.apache.spark.sql.Row>of(
                RowFactory.create("x", "\uD83D\uDE00\uD83D\uDE00\uD83D\uDE00\uD83D\uDE00\uD83D\uDE00\uD83D\uDE00")), 5);
        assertEquals("| x  | \uD83D\uDE00\uD83D\uDE00... |", text.split("\n")[3]);
    }
}
