package org.phi3vspark.model.cli;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.phi3vspark.model.Phi3VModel;
import org.phi3vspark.model.engine.Completion;
import org.phi3vspark.model.engine.EngineOptions;
import org.phi3vspark.model.engine.GenerationEngine;
import org.phi3vspark.model.generate.GenerationRequest;
import org.phi3vspark.model.generate.GenerationResult;

/**
 * A bench workload: requests that all arrive at once, fed to an engine the way a partition feeds it (in order, as
 * it wants more), or in fixed batches that each run to their end before the next starts (static batching, as
 * before continuous batching). One {@link #run} measures wall time, tokens, latency per request (from the
 * workload's start to the request's end) and the engine's peak KV memory.
 */
final class Workload {

    /** What one run of the workload measured. */
    record Run(double wallMillis, long promptTokens, long generatedTokens, long reusedPromptTokens,
               double[] latencyMillis, long peakKvBytes) {

        double perSecond(double count) {
            return count / (wallMillis / 1000.0);
        }

        /** The q-quantile of the requests' latencies (nearest rank). */
        double latency(double q) {
            double[] sorted = latencyMillis.clone();
            Arrays.sort(sorted);
            return sorted[Math.max(0, (int) Math.ceil(q * sorted.length) - 1)];
        }
    }

    private final Phi3VModel model;
    private final List<GenerationRequest> requests;
    private final EngineOptions options;
    private final int staticBatch;

    /** @param staticBatch fixed batches of this size run one after the other; 0 = one stream into one engine */
    Workload(Phi3VModel model, List<GenerationRequest> requests, EngineOptions options, int staticBatch) {
        this.model = model;
        this.requests = List.copyOf(requests);
        this.options = options;
        this.staticBatch = staticBatch;
    }

    Run run() {
        double[] latency = new double[requests.size()];
        long[] totals = new long[3]; // prompt, generated, reused tokens
        long peakKv = 0;
        long start = System.nanoTime();
        if (staticBatch == 0) {
            peakKv = stream(0, requests.size(), options, start, latency, totals);
        } else {
            for (int from = 0; from < requests.size(); from += staticBatch) {
                int to = Math.min(requests.size(), from + staticBatch);
                peakKv = Math.max(peakKv, stream(from, to, options.withMaxRunning(to - from), start, latency, totals));
            }
        }
        double wall = (System.nanoTime() - start) / 1e6;
        return new Run(wall, totals[0], totals[1], totals[2], latency, peakKv);
    }

    /** Requests [from, to) through one engine until all are done; returns its peak KV bytes. */
    private long stream(int from, int to, EngineOptions engineOptions, long start, double[] latency, long[] totals) {
        try (GenerationEngine<Integer> engine = model.newEngine(engineOptions)) {
            int next = from;
            while (next < to || !engine.idle()) {
                while (next < to && engine.wantsMore()) {
                    engine.submit(requests.get(next), next);
                    next++;
                }
                for (Completion<Integer> done : engine.step()) {
                    if (!done.ok()) {
                        throw new IllegalStateException("request " + done.tag() + " failed", done.failure());
                    }
                    GenerationResult r = done.result();
                    latency[done.tag()] = (System.nanoTime() - start) / 1e6;
                    totals[0] += r.promptTokens();
                    totals[1] += r.outputTokens();
                    totals[2] += r.reusedPromptTokens();
                }
            }
            return engine.stats().peakKvBytes();
        }
    }

    /** max_new_tokens of request i: the list's entries in turn. */
    static int newTokens(List<Integer> list, int i) {
        return list.get(i % list.size());
    }

    static List<Integer> parseTokenList(String csv) {
        List<Integer> out = new ArrayList<>();
        for (String part : csv.split(",")) {
            int n = Integer.parseInt(part.trim());
            if (n < 1) {
                throw new IllegalArgumentException("--new-tokens entries must be >= 1, got " + n);
            }
            out.add(n);
        }
        return out;
    }
}
