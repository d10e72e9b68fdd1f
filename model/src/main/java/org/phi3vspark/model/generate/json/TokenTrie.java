package org.phi3vspark.model.generate.json;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.TreeMap;

/**
 * A byte trie over token texts, in flat arrays so that a walk is index arithmetic. Node 0 is the root (the
 * empty text); the edges of node n are {@code firstEdge(n) .. firstEdge(n + 1) - 1}, sorted by byte; the
 * tokens whose text ends at node n are {@code firstToken(n) .. firstToken(n + 1) - 1} (several ids can share a
 * text: {@code A} and its byte-fallback token {@code <0x41>}).
 */
final class TokenTrie {
    private final int[] edgeStart;
    private final int[] edgeByte;
    private final int[] edgeTarget;
    private final int[] tokenStart;
    private final int[] tokenIds;

    private TokenTrie(int[] edgeStart, int[] edgeByte, int[] edgeTarget, int[] tokenStart, int[] tokenIds) {
        this.edgeStart = edgeStart;
        this.edgeByte = edgeByte;
        this.edgeTarget = edgeTarget;
        this.tokenStart = tokenStart;
        this.tokenIds = tokenIds;
    }

    /** A trie of the given ids' texts ({@code texts[id]}, non-empty). */
    static TokenTrie of(byte[][] texts, int[] ids) {
        BuildNode root = new BuildNode();
        for (int id : ids) {
            BuildNode node = root;
            for (byte b : texts[id]) {
                node = node.children.computeIfAbsent(b & 0xFF, k -> new BuildNode());
            }
            node.ids.add(id);
        }
        // number the nodes breadth-first so that each node's edges are contiguous
        List<BuildNode> order = new ArrayList<>();
        order.add(root);
        for (int i = 0; i < order.size(); i++) {
            BuildNode node = order.get(i);
            node.index = i;
            order.addAll(node.children.values());
        }
        int nodes = order.size();
        int[] edgeStart = new int[nodes + 1];
        int[] edgeByte = new int[nodes - 1];
        int[] edgeTarget = new int[nodes - 1];
        int[] tokenStart = new int[nodes + 1];
        int[] tokenIds = new int[ids.length];
        int edge = 0;
        int token = 0;
        for (BuildNode node : order) {
            edgeStart[node.index] = edge;
            tokenStart[node.index] = token;
            for (var child : node.children.entrySet()) {
                edgeByte[edge] = child.getKey();
                edgeTarget[edge] = child.getValue().index;
                edge++;
            }
            for (int id : node.ids) {
                tokenIds[token++] = id;
            }
        }
        edgeStart[nodes] = edge;
        tokenStart[nodes] = token;
        return new TokenTrie(edgeStart, edgeByte, edgeTarget, tokenStart, tokenIds);
    }

    private static final class BuildNode {
        final TreeMap<Integer, BuildNode> children = new TreeMap<>();
        final List<Integer> ids = new ArrayList<>(1);
        int index;
    }

    int nodeCount() {
        return edgeStart.length - 1;
    }

    int firstEdge(int node) {
        return edgeStart[node];
    }

    int edgeByte(int edge) {
        return edgeByte[edge];
    }

    int edgeTarget(int edge) {
        return edgeTarget[edge];
    }

    int firstToken(int node) {
        return tokenStart[node];
    }

    boolean hasTokens(int node) {
        return tokenStart[node] < tokenStart[node + 1];
    }

    int token(int index) {
        return tokenIds[index];
    }

    /** The child of {@code node} along byte {@code b}, or -1. */
    int child(int node, int b) {
        int at = Arrays.binarySearch(edgeByte, edgeStart[node], edgeStart[node + 1], b);
        return at >= 0 ? edgeTarget[at] : -1;
    }
}
