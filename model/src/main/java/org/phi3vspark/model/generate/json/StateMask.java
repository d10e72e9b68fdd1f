package org.phi3vspark.model.generate.json;

/**
 * The tokens a grammar state allows, computed once per state of a {@link JsonConstraint}.
 *
 * <p>{@code tokenIds[i]} leads to state {@code endStates[i]}, from which {@code endShortest[i]} tokens at least
 * finish the value (an upper bound that a real token path achieves; {@code maxEndShortest} is their maximum,
 * -1 when there are none). In a free string body ({@code safeLimit >= 0}) the lists hold only the tokens that
 * are not string-safe, {@code blockedOthers} the ones of those that are not allowed, and every string-safe
 * token of at most {@code safeLimit} code points is allowed too: it keeps the string open, so it leaves the
 * shortest completion as it is, {@code shortestHere} tokens.
 */
record StateMask(int[] tokenIds, int[] endStates, int[] endShortest, int maxEndShortest, boolean endAllowed,
        int safeLimit, int[] blockedOthers, int shortestHere) {

    boolean inString() {
        return safeLimit >= 0;
    }

    /** Whether the grammar allows some string-safe token here. */
    boolean allowsSafeTokens() {
        return safeLimit > 0;
    }
}
