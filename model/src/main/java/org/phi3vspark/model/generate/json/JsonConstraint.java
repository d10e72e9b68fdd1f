package org.phi3vspark.model.generate.json;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A JSON schema compiled against a tokenizer's vocabulary: the grammar's states numbered as they are reached,
 * with their byte transitions, token masks and shortest completions computed once and kept, so every request
 * with this schema shares them. Compile once per (schema, vocabulary) and reuse; it is thread-safe. Each
 * request gets its own {@link #newProcessor processor}.
 *
 * <p>A mask is computed by walking the vocabulary's byte trie with the grammar state and pruning every branch
 * the grammar rejects; in a string body only the few hundred tokens that are not string-safe are walked (see
 * {@link JsonTokenClasses}). The shortest completion of a state is counted in tokens: the grammar's shortest
 * completion text, cut greedily into the longest vocabulary tokens. That count is achievable, and the first of
 * those tokens leads to a state whose count is one less, which is what lets a processor always finish inside
 * its budget.
 */
public final class JsonConstraint {
    static final int DEAD = -1;
    /** Shortest completion of a state from which no token path completes the value (a vocabulary gap). */
    static final int UNREACHABLE = Integer.MAX_VALUE / 2;
    private static final int UNKNOWN = -2;
    private static final int IN_PROGRESS = -3;

    private final JsonSchema schema;
    private final TokenVocabulary vocabulary;
    private final JsonTokenClasses classes;
    private final JsonGrammar grammar;
    private final Map<Frame, Integer> stateIds = new HashMap<>();
    private final List<Frame> frames = new ArrayList<>();
    private int[][] transitions = new int[64][];
    private StateMask[] masks = new StateMask[64];
    private int[] shortest = filled(64, UNKNOWN);
    private final int start;

    private JsonConstraint(JsonSchema schema, TokenVocabulary vocabulary) {
        this.schema = schema;
        this.vocabulary = vocabulary;
        this.classes = vocabulary.jsonClasses();
        this.grammar = new JsonGrammar(schema.root(), vocabulary.dropsLeadingSpace());
        this.start = intern(grammar.start());
    }

    public static JsonConstraint compile(JsonSchema schema, TokenVocabulary vocabulary) {
        JsonConstraint constraint = new JsonConstraint(schema, vocabulary);
        constraint.mask(constraint.start); // every request needs it; also fails fast on an unusable vocabulary
        return constraint;
    }

    /**
     * A processor for one request that generates at most {@code maxNewTokens} tokens (the request's
     * max_new_tokens), so that it can close the value in time.
     */
    public JsonLogitsProcessor newProcessor(int maxNewTokens) {
        if (maxNewTokens < 1) {
            throw new IllegalArgumentException("max_new_tokens must be >= 1, got " + maxNewTokens);
        }
        return new JsonLogitsProcessor(this, maxNewTokens);
    }

    /**
     * The fewest generated tokens in which this constraint can always produce a complete value (the end token
     * not counted): with a smaller max_new_tokens the output may be cut off.
     */
    public synchronized int minimumTokens() {
        return shortestTokens(start);
    }

    public JsonSchema schema() {
        return schema;
    }

    public TokenVocabulary vocabulary() {
        return vocabulary;
    }

    /** Grammar states reached so far (they are computed as requests reach them). */
    public synchronized int stateCount() {
        return frames.size();
    }

    int start() {
        return start;
    }

    JsonTokenClasses classes() {
        return classes;
    }

    synchronized StateMask mask(int state) {
        StateMask mask = masks[state];
        if (mask == null) {
            mask = buildMask(state);
            masks[state] = mask;
        }
        return mask;
    }

    /** The state after token {@code tokenId}, or DEAD if the token has no text or its text leaves the grammar. */
    synchronized int advance(int state, int tokenId) {
        byte[] text = tokenId >= 0 && tokenId < vocabulary.size() ? vocabulary.texts()[tokenId] : null;
        if (text == null) {
            return DEAD;
        }
        int s = state;
        for (int i = 0; i < text.length && s != DEAD; i++) {
            s = transition(s, text[i] & 0xFF);
        }
        return s;
    }

    synchronized boolean accepting(int state) {
        return grammar.accepting(frames.get(state));
    }

    /** Tokens that finish the value from {@code state} (0 when it is complete), or UNREACHABLE. */
    synchronized int shortestTokens(int state) {
        if (shortest[state] >= 0) {
            return shortest[state];
        }
        // Cut the shortest completion text greedily into the longest tokens, numbering the states in between,
        // until a state whose count is known or the end of the text (a complete value). Each state on the way
        // then counts one more than the state after its token, which is what processors rely on.
        byte[] text = grammar.shortestCompletion(frames.get(state));
        TokenTrie trie = vocabulary.trie();
        List<Integer> path = new ArrayList<>();
        int current = state;
        int at = 0;
        while (at < text.length && shortest[current] < 0) {
            if (shortest[current] == IN_PROGRESS) {
                throw grammarBug("the shortest completion of %s returns to %s", state, current);
            }
            shortest[current] = IN_PROGRESS;
            path.add(current);
            int node = 0;
            int s = current;
            int tokenEnd = DEAD;
            int tokenLength = 0;
            for (int k = at; k < text.length; k++) {
                node = trie.child(node, text[k] & 0xFF);
                if (node < 0) {
                    break;
                }
                s = transition(s, text[k] & 0xFF);
                if (s == DEAD) {
                    throw grammarBug("the grammar rejects the shortest completion of %s at %s", state, current);
                }
                if (trie.hasTokens(node)) {
                    tokenEnd = s;
                    tokenLength = k - at + 1;
                }
            }
            if (tokenEnd == DEAD) { // no token spells the next byte: only possible with a vocabulary lacking bytes
                path.forEach(p -> shortest[p] = UNREACHABLE);
                return UNREACHABLE;
            }
            current = tokenEnd;
            at += tokenLength;
        }
        if (shortest[current] < 0) {
            if (!grammar.accepting(frames.get(current))) {
                throw grammarBug("the shortest completion of %s ends in %s, not in a complete value", state, current);
            }
            shortest[current] = 0;
        }
        int count = shortest[current];
        for (int i = path.size() - 1; i >= 0; i--) {
            count = count >= UNREACHABLE ? UNREACHABLE : count + 1;
            shortest[path.get(i)] = count;
        }
        return shortest[state];
    }

    private IllegalStateException grammarBug(String format, int a, int b) {
        return new IllegalStateException(String.format(format, frames.get(a), frames.get(b)));
    }

    private StateMask buildMask(int state) {
        Frame frame = frames.get(state);
        int capacity = grammar.stringCapacity(frame);
        boolean inString = capacity >= 0;
        IntList ids = new IntList();
        IntList ends = new IntList();
        TokenTrie trie = inString ? classes.otherTrie() : vocabulary.trie();
        collect(trie, 0, state, ids, ends);
        int[] endShortest = new int[ids.size()];
        int maxEndShortest = -1;
        for (int i = 0; i < endShortest.length; i++) {
            endShortest[i] = shortestTokens(ends.get(i));
            maxEndShortest = Math.max(maxEndShortest, endShortest[i]);
        }
        int[] blockedOthers = new int[0];
        if (inString) {
            int[] allowed = ids.toArray();
            Arrays.sort(allowed);
            blockedOthers = Arrays.stream(classes.otherIds()).filter(id -> Arrays.binarySearch(allowed, id) < 0)
                    .toArray();
        }
        int safeLimit = inString ? Math.min(capacity, classes.longestSafe()) : -1;
        return new StateMask(ids.toArray(), ends.toArray(), endShortest, maxEndShortest,
                grammar.accepting(frame), safeLimit, blockedOthers, shortestTokens(state));
    }

    /** Depth-first walk of the trie below {@code node} in grammar state {@code state}, pruning dead bytes. */
    private void collect(TokenTrie trie, int node, int state, IntList ids, IntList ends) {
        for (int e = trie.firstEdge(node), last = trie.firstEdge(node + 1); e < last; e++) {
            int next = transition(state, trie.edgeByte(e));
            if (next == DEAD) {
                continue;
            }
            int child = trie.edgeTarget(e);
            for (int t = trie.firstToken(child), end = trie.firstToken(child + 1); t < end; t++) {
                ids.add(trie.token(t));
                ends.add(next);
            }
            collect(trie, child, next, ids, ends);
        }
    }

    private int transition(int state, int b) {
        int[] row = transitions[state];
        if (row == null) {
            row = filled(256, UNKNOWN);
            transitions[state] = row;
        }
        int next = row[b];
        if (next == UNKNOWN) {
            Frame frame = grammar.step(frames.get(state), b);
            next = frame == null ? DEAD : intern(frame);
            row[b] = next;
        }
        return next;
    }

    private int intern(Frame frame) {
        Integer known = stateIds.get(frame);
        if (known != null) {
            return known;
        }
        int id = frames.size();
        frames.add(frame);
        stateIds.put(frame, id);
        if (id == masks.length) {
            int grown = id * 2;
            transitions = Arrays.copyOf(transitions, grown);
            masks = Arrays.copyOf(masks, grown);
            shortest = Arrays.copyOf(shortest, grown);
            Arrays.fill(shortest, id, grown, UNKNOWN);
        }
        return id;
    }

    private static int[] filled(int length, int value) {
        int[] array = new int[length];
        Arrays.fill(array, value);
        return array;
    }

    /** A growable int list, to collect masks without boxing. */
    private static final class IntList {
        private int[] values = new int[16];
        private int size;

        void add(int value) {
            if (size == values.length) {
                values = Arrays.copyOf(values, size * 2);
            }
            values[size++] = value;
        }

        int get(int i) {
            return values[i];
        }

        int size() {
            return size;
        }

        int[] toArray() {
            return Arrays.copyOf(values, size);
        }
    }
}
