package org.phi3vspark.model.generate.json;

import java.nio.charset.StandardCharsets;
import java.util.Random;
import org.phi3vspark.model.generate.json.SchemaNode.ArrayNode;
import org.phi3vspark.model.generate.json.SchemaNode.LiteralNode;
import org.phi3vspark.model.generate.json.SchemaNode.NumberNode;
import org.phi3vspark.model.generate.json.SchemaNode.ObjectNode;
import org.phi3vspark.model.generate.json.SchemaNode.Property;
import org.phi3vspark.model.generate.json.SchemaNode.StringNode;
import org.phi3vspark.model.generate.json.SchemaNode.UnionNode;

/**
 * Random JSON texts that conform to a schema in the grammar's layout (optional single spaces after {@code :} and
 * {@code ,}), with escapes, multi-byte and non-BMP characters, every number form, skipped optional properties.
 */
final class RandomDocuments {
    private static final String[] PIECES = {"a", "Z", " ", "x y", "\\\"", "\\\\", "\\/", "\\n", "\\t", "\\u00e9",
        "\\u4e2d", "\u00e9", "\u4e2d\u6587", "\uD834\uDD1E", "\uD83D\uDE00", "{", "}", "[", "]", ",", ":", "'", "0",
        "\u2581", "<0x41>", "\u00a0"};
    private static final String[] NUMBERS = {"0", "-0", "7", "-12", "3.25", "-0.5", "1e3", "2E+10", "6.02e-23",
        "123456789012345678", "0.000001"};
    private static final String[] INTEGERS = {"0", "-0", "7", "-12", "42", "123456789012345678"};

    private final Random random;

    RandomDocuments(long seed) {
        this.random = new Random(seed);
    }

    String next(JsonSchema schema) {
        StringBuilder out = new StringBuilder();
        value(schema.root(), out);
        return out.toString();
    }

    private void value(SchemaNode node, StringBuilder out) {
        if (node instanceof ObjectNode o) {
            out.append('{');
            boolean first = true;
            for (Property p : o.properties) {
                if (!p.required() && random.nextInt(3) == 0) {
                    continue;
                }
                if (!first) {
                    out.append(',').append(space());
                }
                out.append(new String(p.keyText(), StandardCharsets.UTF_8)).append(':')
                        .append(space());
                value(p.value(), out);
                first = false;
            }
            out.append('}');
        } else if (node instanceof ArrayNode a) {
            int max = a.maxItems >= 0 ? a.maxItems : a.minItems + 3;
            int n = a.minItems + random.nextInt(max - a.minItems + 1);
            out.append('[');
            for (int i = 0; i < n; i++) {
                if (i > 0) {
                    out.append(',').append(space());
                }
                value(a.items, out);
            }
            out.append(']');
        } else if (node instanceof StringNode s) {
            out.append('"').append(string(s.maxLength)).append('"');
        } else if (node instanceof NumberNode n) {
            String[] forms = n.integer ? INTEGERS : NUMBERS;
            out.append(forms[random.nextInt(forms.length)]);
        } else if (node instanceof LiteralNode l) {
            out.append(new String(l.texts[random.nextInt(l.texts.length)], StandardCharsets.UTF_8));
        } else {
            UnionNode u = (UnionNode) node;
            value(u.alternatives.get(random.nextInt(u.alternatives.size())), out);
        }
    }

    /** A string body (JSON-escaped) of at most {@code maxLength} code points (-1: up to about 12). */
    private String string(int maxLength) {
        int limit = maxLength >= 0 ? maxLength : 12;
        StringBuilder body = new StringBuilder();
        int codePoints = 0;
        int pieces = random.nextInt(6);
        for (int i = 0; i < pieces; i++) {
            String piece = PIECES[random.nextInt(PIECES.length)];
            String decoded = StrictJson.parse('"' + piece + '"').getAsString();
            int length = decoded.codePointCount(0, decoded.length());
            if (codePoints + length <= limit) {
                body.append(piece);
                codePoints += length;
            }
        }
        return body.toString();
    }

    private String space() {
        return random.nextBoolean() ? " " : "";
    }
}
