package org.phi3vspark.model.generate.json;

import java.io.ByteArrayOutputStream;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.Map;
import org.phi3vspark.model.generate.json.Frame.ArrayFrame;
import org.phi3vspark.model.generate.json.Frame.ArrayPhase;
import org.phi3vspark.model.generate.json.Frame.LiteralFrame;
import org.phi3vspark.model.generate.json.Frame.NumberFrame;
import org.phi3vspark.model.generate.json.Frame.NumberPhase;
import org.phi3vspark.model.generate.json.Frame.ObjectFrame;
import org.phi3vspark.model.generate.json.Frame.ObjectPhase;
import org.phi3vspark.model.generate.json.Frame.RootFrame;
import org.phi3vspark.model.generate.json.Frame.RootPhase;
import org.phi3vspark.model.generate.json.Frame.StringFrame;
import org.phi3vspark.model.generate.json.Frame.StringPhase;
import org.phi3vspark.model.generate.json.SchemaNode.ArrayNode;
import org.phi3vspark.model.generate.json.SchemaNode.LiteralNode;
import org.phi3vspark.model.generate.json.SchemaNode.NumberNode;
import org.phi3vspark.model.generate.json.SchemaNode.ObjectNode;
import org.phi3vspark.model.generate.json.SchemaNode.Property;
import org.phi3vspark.model.generate.json.SchemaNode.StringNode;
import org.phi3vspark.model.generate.json.SchemaNode.UnionNode;

/**
 * The UTF-8 bytes of JSON text that conforms to a schema, as an automaton over {@link Frame}s. The text is
 * compact, the way models usually write JSON: {@code {"a": 1, "b": [1, 2]}}, with at most one space after
 * each {@code :} and {@code ,} and no other whitespace, so a whitespace run is never longer than one.
 * Numbers have at most 18 integer digits (so integers fit a long), 18 fraction digits and 2 exponent digits
 * (so every number is a finite double). Strings are valid UTF-8 without control characters; escapes are
 * JSON's, except that {@code \\u} escapes of surrogates are not generated (a non-BMP character is written as
 * itself), so each escape is one code point and maxLength is counted exactly.
 */
final class JsonGrammar {
    private static final int MAX_INTEGER_DIGITS = 18;
    private static final int MAX_FRACTION_DIGITS = 18;
    private static final int MAX_EXPONENT_DIGITS = 2;

    private final SchemaNode root;
    private final boolean leadingSpaceDropped;
    private final Map<SchemaNode, byte[]> shortestValues = new IdentityHashMap<>();

    /**
     * @param leadingSpaceDropped whether the tokenizer's decoder drops one space at the start of the text: then
     *     the grammar allows that space before the value, and it is no part of the text the caller gets back
     */
    JsonGrammar(SchemaNode root, boolean leadingSpaceDropped) {
        this.root = root;
        this.leadingSpaceDropped = leadingSpaceDropped;
        shortestValue(root);
    }

    Frame start() {
        return new RootFrame(RootPhase.START);
    }

    /** The frame after byte {@code b} (0-255), or null if no conforming text continues that way. */
    Frame step(Frame frame, int b) {
        if (frame instanceof RootFrame r) {
            return stepRoot(r, b);
        }
        if (frame instanceof ObjectFrame o) {
            return stepObject(o, b);
        }
        if (frame instanceof ArrayFrame a) {
            return stepArray(a, b);
        }
        if (frame instanceof StringFrame s) {
            return stepString(s, b);
        }
        if (frame instanceof NumberFrame n) {
            return stepNumber(n, b);
        }
        return stepLiteral((LiteralFrame) frame, b);
    }

    /** Whether the text so far is a complete conforming value (it may still be extendable, like a number). */
    boolean accepting(Frame frame) {
        if (frame instanceof RootFrame r) {
            return r.phase() == RootPhase.DONE;
        }
        if (frame instanceof NumberFrame n) {
            return numberComplete(n) && accepting(n.parent());
        }
        if (frame instanceof LiteralFrame l) {
            return literalComplete(l) && accepting(l.parent());
        }
        return false;
    }

    /**
     * In the body of a free string (not inside an escape or a multi-byte character): how many more code points
     * fit (Integer.MAX_VALUE without maxLength). -1 anywhere else.
     */
    int stringCapacity(Frame frame) {
        if (frame instanceof StringFrame s && s.phase() == StringPhase.BODY) {
            return s.node().maxLength < 0 ? Integer.MAX_VALUE : s.node().maxLength - s.count();
        }
        return -1;
    }

    /**
     * The shortest text that completes the value from {@code frame} (empty when it is accepting). Choices are
     * deterministic (lowest index or byte on ties), and the completion after its first byte is this completion
     * without that byte, so following first bytes walks one fixed shortest path.
     */
    byte[] shortestCompletion(Frame frame) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (Frame f = frame; f != null; f = f.parent()) {
            appendOwnCompletion(f, out);
        }
        return out.toByteArray();
    }

    // ---- root

    private Frame stepRoot(RootFrame frame, int b) {
        return switch (frame.phase()) {
            case START -> leadingSpaceDropped && b == ' '
                    ? new RootFrame(RootPhase.AFTER_SPACE)
                    : begin(root, new RootFrame(RootPhase.DONE), b);
            case AFTER_SPACE -> begin(root, new RootFrame(RootPhase.DONE), b);
            case DONE -> null;
        };
    }

    /** The frame after {@code b} as the first byte of a value of {@code node}, returning to {@code parent}. */
    private Frame begin(SchemaNode node, Frame parent, int b) {
        if (node instanceof ObjectNode o) {
            return b == '{' ? new ObjectFrame(o, ObjectPhase.OPEN, -1, -1, 0, parent) : null;
        }
        if (node instanceof ArrayNode a) {
            return b == '[' ? new ArrayFrame(a, ArrayPhase.OPEN, 0, parent) : null;
        }
        if (node instanceof StringNode s) {
            return b == '"' ? new StringFrame(s, StringPhase.BODY, 0, parent) : null;
        }
        if (node instanceof NumberNode n) {
            if (b == '-') {
                return new NumberFrame(n, NumberPhase.MINUS, 0, parent);
            }
            return isDigit(b) ? new NumberFrame(n, b == '0' ? NumberPhase.ZERO : NumberPhase.INT, 1, parent) : null;
        }
        if (node instanceof LiteralNode l) {
            return stepLiteral(new LiteralFrame(l, 0, 0, parent), b);
        }
        for (SchemaNode alternative : ((UnionNode) node).alternatives) {
            Frame started = begin(alternative, parent, b);
            if (started != null) {
                return started; // alternatives start with different bytes, so at most one matches
            }
        }
        return null;
    }

    // ---- object

    private Frame stepObject(ObjectFrame f, int b) {
        ObjectNode node = f.node();
        int last = f.last();
        return switch (f.phase()) {
            case OPEN -> {
                if (b == '}' && node.mayCloseAfter(last)) {
                    yield f.parent();
                }
                yield b == '"' && !node.properties.isEmpty() ? startKey(f) : null;
            }
            case IN_KEY -> stepKey(f, b);
            case AFTER_KEY -> b == ':' ? object(f, ObjectPhase.AFTER_COLON) : null;
            case AFTER_COLON -> b == ' ' ? object(f, ObjectPhase.AFTER_COLON_SPACE) : beginPropertyValue(f, b);
            case AFTER_COLON_SPACE -> beginPropertyValue(f, b);
            case AFTER_VALUE -> {
                if (b == ',' && last + 1 < node.properties.size()) {
                    yield object(f, ObjectPhase.AFTER_COMMA);
                }
                yield b == '}' && node.mayCloseAfter(last) ? f.parent() : null;
            }
            case AFTER_COMMA -> b == ' ' ? object(f, ObjectPhase.AFTER_COMMA_SPACE) : b == '"' ? startKey(f) : null;
            case AFTER_COMMA_SPACE -> b == '"' ? startKey(f) : null;
        };
    }

    private static ObjectFrame object(ObjectFrame f, ObjectPhase phase) {
        return new ObjectFrame(f.node(), phase, f.last(), -1, 0, f.parent());
    }

    private Frame startKey(ObjectFrame f) {
        // every key text starts with the quote just read; the first candidate is the lowest one
        return new ObjectFrame(f.node(), ObjectPhase.IN_KEY, f.last(), f.last() + 1, 1, f.parent());
    }

    private Frame stepKey(ObjectFrame f, int b) {
        ObjectNode node = f.node();
        byte[] written = node.properties.get(f.key()).keyText();
        for (int j = f.key(); j <= node.lastCandidateAfter(f.last()); j++) {
            byte[] key = node.properties.get(j).keyText();
            if (key.length > f.offset() && (key[f.offset()] & 0xFF) == b && samePrefix(key, written, f.offset())) {
                if (key.length == f.offset() + 1) { // key texts end with a quote, so no key is a prefix of another
                    return new ObjectFrame(node, ObjectPhase.AFTER_KEY, j, -1, 0, f.parent());
                }
                return new ObjectFrame(node, ObjectPhase.IN_KEY, f.last(), j, f.offset() + 1, f.parent());
            }
        }
        return null;
    }

    private Frame beginPropertyValue(ObjectFrame f, int b) {
        ObjectFrame after = object(f, ObjectPhase.AFTER_VALUE);
        return begin(f.node().properties.get(f.last()).value(), after, b);
    }

    // ---- array

    private Frame stepArray(ArrayFrame f, int b) {
        ArrayNode node = f.node();
        return switch (f.phase()) {
            case OPEN -> b == ']' && node.minItems == 0 ? f.parent() : node.maxItems == 0 ? null : beginItem(f, b);
            case AFTER_ITEM -> {
                if (b == ',' && (node.maxItems < 0 || f.count() < node.maxItems)) {
                    yield new ArrayFrame(node, ArrayPhase.AFTER_COMMA, f.count(), f.parent());
                }
                yield b == ']' && f.count() >= node.minItems ? f.parent() : null;
            }
            case AFTER_COMMA -> b == ' '
                    ? new ArrayFrame(node, ArrayPhase.AFTER_COMMA_SPACE, f.count(), f.parent())
                    : beginItem(f, b);
            case AFTER_COMMA_SPACE -> beginItem(f, b);
        };
    }

    private Frame beginItem(ArrayFrame f, int b) {
        ArrayNode node = f.node();
        int count = Math.min(f.count() + 1, node.countCap());
        return begin(node.items, new ArrayFrame(node, ArrayPhase.AFTER_ITEM, count, f.parent()), b);
    }

    // ---- string

    private Frame stepString(StringFrame f, int b) {
        return switch (f.phase()) {
            case BODY -> stepStringBody(f, b);
            case ESCAPE -> b == 'u' ? string(f, StringPhase.HEX1)
                    : "\"\\/bfnrt".indexOf(b) >= 0 ? string(f, StringPhase.BODY) : null;
            case HEX1 -> !isHex(b) ? null
                    : string(f, b == 'd' || b == 'D' ? StringPhase.HEX2_AFTER_D : StringPhase.HEX2);
            case HEX2_AFTER_D -> b >= '0' && b <= '7' ? string(f, StringPhase.HEX3) : null;
            case HEX2 -> isHex(b) ? string(f, StringPhase.HEX3) : null;
            case HEX3 -> isHex(b) ? string(f, StringPhase.HEX4) : null;
            case HEX4 -> isHex(b) ? string(f, StringPhase.BODY) : null;
            case CONT1 -> continuation(f, b, 0x80, 0xBF, StringPhase.BODY);
            case CONT2 -> continuation(f, b, 0x80, 0xBF, StringPhase.CONT1);
            case CONT3 -> continuation(f, b, 0x80, 0xBF, StringPhase.CONT2);
            case CONT_AFTER_E0 -> continuation(f, b, 0xA0, 0xBF, StringPhase.CONT1);
            case CONT_AFTER_ED -> continuation(f, b, 0x80, 0x9F, StringPhase.CONT1);
            case CONT_AFTER_F0 -> continuation(f, b, 0x90, 0xBF, StringPhase.CONT2);
            case CONT_AFTER_F4 -> continuation(f, b, 0x80, 0x8F, StringPhase.CONT2);
        };
    }

    private Frame stepStringBody(StringFrame f, int b) {
        if (b == '"') {
            return f.parent();
        }
        StringPhase next = characterStart(b);
        if (next == null || stringCapacity(f) == 0) {
            return null;
        }
        int count = f.node().maxLength < 0 ? 0 : f.count() + 1;
        return new StringFrame(f.node(), next, count, f.parent());
    }

    /** The phase after the first byte of a character in a string body, or null if it cannot start one. */
    private static StringPhase characterStart(int b) {
        if (b < 0x20) {
            return null; // control characters must be escaped
        }
        if (b == '\\') {
            return StringPhase.ESCAPE;
        }
        if (b < 0x80) {
            return StringPhase.BODY;
        }
        if (b >= 0xC2 && b <= 0xDF) {
            return StringPhase.CONT1;
        }
        return switch (b) {
            case 0xE0 -> StringPhase.CONT_AFTER_E0;
            case 0xED -> StringPhase.CONT_AFTER_ED;
            case 0xF0 -> StringPhase.CONT_AFTER_F0;
            case 0xF4 -> StringPhase.CONT_AFTER_F4;
            default -> b >= 0xE1 && b <= 0xEF ? StringPhase.CONT2 : b >= 0xF1 && b <= 0xF3 ? StringPhase.CONT3 : null;
        };
    }

    private static StringFrame string(StringFrame f, StringPhase phase) {
        return new StringFrame(f.node(), phase, f.count(), f.parent());
    }

    private static Frame continuation(StringFrame f, int b, int low, int high, StringPhase next) {
        return b >= low && b <= high ? string(f, next) : null;
    }

    // ---- number

    private Frame stepNumber(NumberFrame f, int b) {
        NumberFrame next = numberStep(f, b);
        if (next != null) {
            return next;
        }
        // a number ends where something else starts: the byte belongs to the enclosing value
        return numberComplete(f) ? step(f.parent(), b) : null;
    }

    private static NumberFrame numberStep(NumberFrame f, int b) {
        boolean fraction = !f.node().integer;
        return switch (f.phase()) {
            case MINUS -> isDigit(b) ? number(f, b == '0' ? NumberPhase.ZERO : NumberPhase.INT, 1) : null;
            case ZERO -> fraction ? fractionOrExponent(f, b) : null;
            case INT -> isDigit(b) && f.digits() < MAX_INTEGER_DIGITS ? number(f, NumberPhase.INT, f.digits() + 1)
                    : fraction ? fractionOrExponent(f, b) : null;
            case DOT -> isDigit(b) ? number(f, NumberPhase.FRACTION, 1) : null;
            case FRACTION -> isDigit(b) && f.digits() < MAX_FRACTION_DIGITS
                    ? number(f, NumberPhase.FRACTION, f.digits() + 1)
                    : b == 'e' || b == 'E' ? number(f, NumberPhase.EXPONENT, 0) : null;
            case EXPONENT -> b == '+' || b == '-' ? number(f, NumberPhase.EXPONENT_SIGN, 0)
                    : isDigit(b) ? number(f, NumberPhase.EXPONENT_DIGITS, 1) : null;
            case EXPONENT_SIGN -> isDigit(b) ? number(f, NumberPhase.EXPONENT_DIGITS, 1) : null;
            case EXPONENT_DIGITS -> isDigit(b) && f.digits() < MAX_EXPONENT_DIGITS
                    ? number(f, NumberPhase.EXPONENT_DIGITS, f.digits() + 1) : null;
        };
    }

    private static NumberFrame fractionOrExponent(NumberFrame f, int b) {
        if (b == '.') {
            return number(f, NumberPhase.DOT, 0);
        }
        return b == 'e' || b == 'E' ? number(f, NumberPhase.EXPONENT, 0) : null;
    }

    private static NumberFrame number(NumberFrame f, NumberPhase phase, int digits) {
        return new NumberFrame(f.node(), phase, digits, f.parent());
    }

    private static boolean numberComplete(NumberFrame f) {
        return switch (f.phase()) {
            case ZERO, INT, FRACTION, EXPONENT_DIGITS -> true;
            case MINUS, DOT, EXPONENT, EXPONENT_SIGN -> false;
        };
    }

    // ---- literal

    private Frame stepLiteral(LiteralFrame f, int b) {
        byte[][] texts = f.node().texts;
        byte[] written = texts[f.candidate()];
        for (int j = f.candidate(); j < texts.length; j++) {
            byte[] text = texts[j];
            if (text.length > f.offset() && (text[f.offset()] & 0xFF) == b && samePrefix(text, written, f.offset())) {
                LiteralFrame next = new LiteralFrame(f.node(), j, f.offset() + 1, f.parent());
                // a literal that cannot grow any more is done: return to the parent at once (fewer states)
                return literalExtendable(next) ? next : f.parent();
            }
        }
        return literalComplete(f) ? step(f.parent(), b) : null;
    }

    /** Whether the bytes written are one of the literal's texts. */
    private static boolean literalComplete(LiteralFrame f) {
        return matching(f, true);
    }

    /** Whether some text of the literal is longer than the bytes written and starts with them. */
    private static boolean literalExtendable(LiteralFrame f) {
        return matching(f, false);
    }

    private static boolean matching(LiteralFrame f, boolean exactLength) {
        byte[][] texts = f.node().texts;
        byte[] written = texts[f.candidate()];
        for (int j = f.candidate(); j < texts.length; j++) {
            byte[] text = texts[j];
            boolean lengthFits = exactLength ? text.length == f.offset() : text.length > f.offset();
            if (lengthFits && samePrefix(text, written, f.offset())) {
                return true;
            }
        }
        return false;
    }

    // ---- shortest completions

    private void appendOwnCompletion(Frame f, ByteArrayOutputStream out) {
        if (f instanceof RootFrame r) {
            if (r.phase() != RootPhase.DONE) {
                out.writeBytes(shortestValue(root));
            }
        } else if (f instanceof ObjectFrame o) {
            appendObjectCompletion(o, out);
        } else if (f instanceof ArrayFrame a) {
            appendArrayCompletion(a, out);
        } else if (f instanceof StringFrame s) {
            appendStringCompletion(s, out);
        } else if (f instanceof NumberFrame n) {
            if (!numberComplete(n)) {
                out.write('0'); // every incomplete phase needs exactly one more digit
            }
        } else {
            LiteralFrame l = (LiteralFrame) f;
            if (!literalComplete(l)) {
                byte[] text = l.node().texts[shortestLiteral(l.node(), l.candidate(), l.offset())];
                out.write(text, l.offset(), text.length - l.offset());
            }
        }
    }

    private void appendObjectCompletion(ObjectFrame f, ByteArrayOutputStream out) {
        ObjectNode node = f.node();
        switch (f.phase()) {
            case OPEN -> appendRequiredAfter(node, -1, false, out);
            case IN_KEY -> appendCheapestProperty(node, f.last(), f.key(), f.offset(), out);
            case AFTER_KEY -> {
                out.write(':');
                out.writeBytes(shortestValue(node.properties.get(f.last()).value()));
                appendRequiredAfter(node, f.last(), true, out);
            }
            case AFTER_COLON, AFTER_COLON_SPACE -> {
                out.writeBytes(shortestValue(node.properties.get(f.last()).value()));
                appendRequiredAfter(node, f.last(), true, out);
            }
            case AFTER_VALUE -> appendRequiredAfter(node, f.last(), true, out);
            case AFTER_COMMA, AFTER_COMMA_SPACE -> appendCheapestProperty(node, f.last(), f.last() + 1, 0, out);
        }
    }

    /**
     * Completes a key of which {@code offset} bytes (those of candidate {@code key}) are written: picks the
     * candidate property with the shortest key rest + value + required properties after it + closing brace.
     */
    private void appendCheapestProperty(ObjectNode node, int last, int key, int offset, ByteArrayOutputStream out) {
        byte[] written = node.properties.get(key).keyText();
        int best = -1;
        int bestLength = Integer.MAX_VALUE;
        for (int j = key; j <= node.lastCandidateAfter(last); j++) {
            Property p = node.properties.get(j);
            if (p.keyText().length > offset && samePrefix(p.keyText(), written, offset)) {
                int length = p.keyText().length - offset + 1 + shortestValue(p.value()).length
                        + requiredAfterLength(node, j);
                if (length < bestLength) {
                    best = j;
                    bestLength = length;
                }
            }
        }
        Property p = node.properties.get(best);
        out.write(p.keyText(), offset, p.keyText().length - offset);
        out.write(':');
        out.writeBytes(shortestValue(p.value()));
        appendRequiredAfter(node, best, true, out);
    }

    /** The required properties after index {@code last}, comma-separated, then the closing brace. */
    private void appendRequiredAfter(ObjectNode node, int last, boolean commaFirst, ByteArrayOutputStream out) {
        boolean comma = commaFirst;
        for (int i = last + 1; i < node.properties.size(); i++) {
            Property p = node.properties.get(i);
            if (p.required()) {
                if (comma) {
                    out.write(',');
                }
                out.writeBytes(p.keyText());
                out.write(':');
                out.writeBytes(shortestValue(p.value()));
                comma = true;
            }
        }
        out.write('}');
    }

    private int requiredAfterLength(ObjectNode node, int last) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        appendRequiredAfter(node, last, true, out);
        return out.size();
    }

    private void appendArrayCompletion(ArrayFrame f, ByteArrayOutputStream out) {
        ArrayNode node = f.node();
        byte[] item = shortestValue(node.items);
        int more = switch (f.phase()) {
            case OPEN -> node.minItems;
            case AFTER_ITEM -> Math.max(0, node.minItems - f.count());
            case AFTER_COMMA, AFTER_COMMA_SPACE -> Math.max(1, node.minItems - f.count());
        };
        boolean comma = f.phase() == ArrayPhase.AFTER_ITEM;
        for (int i = 0; i < more; i++) {
            if (comma) {
                out.write(',');
            }
            out.writeBytes(item);
            comma = true;
        }
        out.write(']');
    }

    private static void appendStringCompletion(StringFrame f, ByteArrayOutputStream out) {
        out.writeBytes(switch (f.phase()) {
            case BODY -> bytes();
            case ESCAPE -> bytes('"'); // the escaped quote is the lowest escape byte
            case HEX1 -> bytes('0', '0', '0', '0');
            case HEX2, HEX2_AFTER_D -> bytes('0', '0', '0');
            case HEX3 -> bytes('0', '0');
            case HEX4 -> bytes('0');
            // the lowest continuation bytes that finish the character
            case CONT1 -> bytes(0x80);
            case CONT2, CONT_AFTER_ED -> bytes(0x80, 0x80);
            case CONT3, CONT_AFTER_F4 -> bytes(0x80, 0x80, 0x80);
            case CONT_AFTER_E0 -> bytes(0xA0, 0x80);
            case CONT_AFTER_F0 -> bytes(0x90, 0x80, 0x80);
        });
        out.write('"');
    }

    private static byte[] bytes(int... values) {
        byte[] out = new byte[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = (byte) values[i];
        }
        return out;
    }

    /** Shortest conforming text of a value of {@code node}; alternatives tie-break to the first. */
    private byte[] shortestValue(SchemaNode node) {
        byte[] known = shortestValues.get(node);
        if (known != null) {
            return known;
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        if (node instanceof ObjectNode o) {
            out.write('{');
            appendRequiredAfter(o, -1, false, out);
        } else if (node instanceof ArrayNode a) {
            out.write('[');
            appendArrayCompletion(new ArrayFrame(a, ArrayPhase.OPEN, 0, null), out);
        } else if (node instanceof StringNode) {
            out.writeBytes(bytes('"', '"'));
        } else if (node instanceof NumberNode) {
            out.write('0');
        } else if (node instanceof LiteralNode l) {
            out.writeBytes(l.texts[shortestLiteral(l, 0, 0)]);
        } else {
            byte[] best = null;
            for (SchemaNode alternative : ((UnionNode) node).alternatives) {
                byte[] candidate = shortestValue(alternative);
                if (best == null || candidate.length < best.length) {
                    best = candidate;
                }
            }
            out.writeBytes(best);
        }
        byte[] value = out.toByteArray();
        shortestValues.put(node, value);
        return value;
    }

    /** The shortest literal text that starts with the {@code offset} bytes of {@code candidate}. */
    private static int shortestLiteral(LiteralNode node, int candidate, int offset) {
        byte[] written = node.texts[candidate];
        int best = candidate;
        for (int j = candidate; j < node.texts.length; j++) {
            byte[] text = node.texts[j];
            if (text.length >= offset && samePrefix(text, written, offset) && text.length < node.texts[best].length) {
                best = j;
            }
        }
        return best;
    }

    private static boolean samePrefix(byte[] a, byte[] b, int length) {
        return Arrays.equals(a, 0, length, b, 0, length);
    }

    private static boolean isDigit(int b) {
        return b >= '0' && b <= '9';
    }

    private static boolean isHex(int b) {
        return isDigit(b) || b >= 'a' && b <= 'f' || b >= 'A' && b <= 'F';
    }
}
