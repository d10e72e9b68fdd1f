package org.phi3vspark.model.generate.json;

import org.phi3vspark.model.generate.json.SchemaNode.ArrayNode;
import org.phi3vspark.model.generate.json.SchemaNode.LiteralNode;
import org.phi3vspark.model.generate.json.SchemaNode.NumberNode;
import org.phi3vspark.model.generate.json.SchemaNode.ObjectNode;
import org.phi3vspark.model.generate.json.SchemaNode.StringNode;

/**
 * A position of the {@link JsonGrammar}: the innermost value being written and, through {@link #parent()},
 * the enclosing ones, each already in the phase it returns to once the inner value is done. Frames are
 * immutable values; equal frames are the same grammar state (nodes compare by identity).
 */
sealed interface Frame {

    /** The frame this one returns to when its value is complete; null only for the root. */
    Frame parent();

    enum RootPhase {
        /** Nothing written yet; a leading space is allowed when the decoder drops it from the text. */
        START,
        /** The dropped leading space was written; the value must start now. */
        AFTER_SPACE,
        /** The value is complete. */
        DONE
    }

    record RootFrame(RootPhase phase) implements Frame {
        @Override
        public Frame parent() {
            return null;
        }
    }

    enum ObjectPhase { OPEN, IN_KEY, AFTER_KEY, AFTER_COLON, AFTER_COLON_SPACE, AFTER_VALUE, AFTER_COMMA,
        AFTER_COMMA_SPACE }

    /**
     * Inside an object. {@code last} is the index of the property whose key or value comes last so far (-1 at
     * the start); in IN_KEY, {@code offset} bytes of the key text are written and {@code key} is the lowest
     * candidate property whose key starts with them (-1 and 0 in the other phases).
     */
    record ObjectFrame(ObjectNode node, ObjectPhase phase, int last, int key, int offset, Frame parent)
            implements Frame {
    }

    enum ArrayPhase { OPEN, AFTER_ITEM, AFTER_COMMA, AFTER_COMMA_SPACE }

    /** Inside an array with {@code count} items complete (counted up to {@link ArrayNode#countCap()}). */
    record ArrayFrame(ArrayNode node, ArrayPhase phase, int count, Frame parent) implements Frame {
    }

    enum StringPhase {
        BODY,
        ESCAPE,
        HEX1,
        /** After {@code \\uD}: the next digit must be 0-7, since surrogate escapes are not generated. */
        HEX2_AFTER_D,
        HEX2,
        HEX3,
        HEX4,
        /** Continuation bytes of a UTF-8 character still to come, any of 80-BF. */
        CONT1,
        CONT2,
        CONT3,
        /** The restricted first continuation bytes of UTF-8 (no overlong forms, no surrogates, <= U+10FFFF). */
        CONT_AFTER_E0,
        CONT_AFTER_ED,
        CONT_AFTER_F0,
        CONT_AFTER_F4
    }

    /**
     * Inside a free string; {@code count} code points started so far (kept at 0 when there is no maxLength,
     * so that unbounded strings have few states).
     */
    record StringFrame(StringNode node, StringPhase phase, int count, Frame parent) implements Frame {
    }

    enum NumberPhase { MINUS, ZERO, INT, DOT, FRACTION, EXPONENT, EXPONENT_SIGN, EXPONENT_DIGITS }

    /** Inside a number; {@code digits} counts the digits of the current part (integer, fraction or exponent). */
    record NumberFrame(NumberNode node, NumberPhase phase, int digits, Frame parent) implements Frame {
    }

    /** Inside a literal: {@code offset} bytes written, {@code candidate} the lowest alternative matching them. */
    record LiteralFrame(LiteralNode node, int candidate, int offset, Frame parent) implements Frame {
    }
}
