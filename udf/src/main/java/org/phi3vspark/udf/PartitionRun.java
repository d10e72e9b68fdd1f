package org.phi3vspark.udf;

import ai.djl.Device;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.NoSuchElementException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.apache.spark.TaskContext;
import org.apache.spark.sql.Row;
import org.apache.spark.util.TaskCompletionListener;
import org.phi3vspark.model.generate.GenerationRequest;
import org.phi3vspark.model.generate.GenerationResult;
import org.phi3vspark.model.image.ImageDecoder;
import org.phi3vspark.model.image.ImageProcessor;
import org.phi3vspark.model.image.ProcessedImage;
import org.phi3vspark.model.image.RgbImage;
import org.phi3vspark.model.text.ChatMessage;
import org.phi3vspark.model.text.Prompt;
import org.phi3vspark.udf.cache.ModelCache;
import org.phi3vspark.udf.task.OutputParsers;
import org.phi3vspark.udf.task.ParsedOutput;

/**
 * One partition's run. The task thread pulls work rows from Spark (Spark's iterators belong to the task thread)
 * and hands them to a small pool that reads, decodes and preprocesses; the task thread keeps up to
 * (1 + prefetchBatches) batches in flight, so the next batch is being prepared while the model generates.
 * Rows come out in input order.
 */
final class PartitionRun implements Iterator<Row> {

    private final InferencePartition fn;
    private final Iterator<Row> input;
    private final Deque<Future<Prepared>> pending = new ArrayDeque<>();
    private final Deque<Row> out = new ArrayDeque<>();
    private final int capacity;
    private ExecutorService pool;
    private ModelHolder.Loaded model;
    private ImageReader reader;
    private ImageDecoder decoder;
    private String device;
    private boolean closed;

    PartitionRun(InferencePartition fn, Iterator<Row> input) {
        this.fn = fn;
        this.input = input;
        this.capacity = fn.settings().batchSize() * (1 + fn.settings().prefetchBatches());
    }

    @Override
    public boolean hasNext() {
        while (out.isEmpty()) {
            if (pending.isEmpty() && !input.hasNext()) {
                close();
                return false;
            }
            runNextBatch();
        }
        return true;
    }

    @Override
    public Row next() {
        if (!hasNext()) {
            throw new NoSuchElementException();
        }
        return out.removeFirst();
    }

    private void start() {
        TaskContext tc = TaskContext.get();
        Device dev = fn.settings().device().choose(tc);
        ProgressCounters c = fn.counters();
        // Remote snapshots are loaded from this machine's copy (made once per machine by ModelCache).
        String localModel = ModelCache.localDir(fn.modelDir(), fn.hadoopConf().get()).toString();
        model = ModelHolder.get(localModel, dev, c == null ? null : () -> c.modelLoads().add(1));
        device = dev.toString();
        reader = new ImageReader(fn.hadoopConf().get(), fn.settings().maxImageBytes());
        decoder = new ImageDecoder(fn.settings().maxImagePixels());
        int threads = fn.settings().prefetchThreads();
        ThreadPoolExecutor p = new ThreadPoolExecutor(threads, threads, 30, TimeUnit.SECONDS,
                new LinkedBlockingQueue<>(), r -> {
                    Thread t = new Thread(r, "phi3v-prefetch");
                    t.setDaemon(true);
                    return t;
                });
        // Idle threads end by themselves, so even an iterator abandoned outside a Spark task leaks no threads.
        p.allowCoreThreadTimeOut(true);
        pool = p;
        if (tc != null) {
            tc.addTaskCompletionListener((TaskCompletionListener) ctx -> close());
        }
    }

    private void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (pool != null) {
            pending.forEach(f -> f.cancel(true));
            pending.clear();
            pool.shutdownNow();
        }
    }

    /** Submits items for preparation until {@code limit} are pending or the input is exhausted. */
    private void fill(int limit) {
        while (pending.size() < limit && input.hasNext()) {
            Row row = input.next();
            WorkItem item = WorkSchema.fromRow(row);
            Row passthrough = WorkSchema.passthroughOf(row);
            pending.addLast(pool.submit(() -> prepare(item, passthrough)));
        }
    }

    private void runNextBatch() {
        if (model == null) {
            start();
        }
        fill(capacity);
        List<Prepared> batch = new ArrayList<>();
        while (batch.size() < fn.settings().batchSize() && !pending.isEmpty()) {
            batch.add(await(pending.removeFirst()));
        }
        // prepared while the model generates: prefetchBatches batches ahead (0 = strictly one batch at a time)
        fill(fn.settings().batchSize() * fn.settings().prefetchBatches());
        Row[] rows = new Row[batch.size()];
        List<Integer> ready = new ArrayList<>();
        for (int i = 0; i < batch.size(); i++) {
            Prepared p = batch.get(i);
            if (p.failure() != null) {
                rows[i] = errorRow(p, p.failure().stage(), p.failure().getMessage(), 0);
            } else {
                ready.add(i);
            }
        }
        generate(batch, ready, rows);
        Collections.addAll(out, rows);
    }

    private Prepared await(Future<Prepared> f) {
        try {
            return f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while preparing images", e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("image preparation failed unexpectedly", e.getCause());
        }
    }

    /**
     * Batched generate; if the batch fails, each item is retried alone so only the bad one becomes an error.
     * Result rows are built outside the try: a failure while building a row must neither re-run the model for
     * the whole batch nor count rows twice.
     */
    private void generate(List<Prepared> batch, List<Integer> ready, Row[] rows) {
        if (ready.isEmpty()) {
            return;
        }
        List<GenerationRequest> requests = ready.stream().map(i -> batch.get(i).request()).toList();
        long t0 = System.nanoTime();
        List<GenerationResult> results;
        try {
            results = call(requests);
        } catch (RuntimeException batchFailure) {
            results = null;
            if (ready.size() == 1) {
                int i = ready.get(0);
                rows[i] = generateError(batch.get(i), batchFailure, millisSince(t0));
                return;
            }
            for (int i : ready) {
                long t1 = System.nanoTime();
                GenerationResult r;
                try {
                    r = call(List.of(batch.get(i).request())).get(0);
                } catch (RuntimeException single) {
                    rows[i] = generateError(batch.get(i), single, millisSince(t1));
                    continue;
                }
                rows[i] = resultRow(batch.get(i), r, millisSince(t1));
            }
        }
        if (results != null) {
            long ms = millisSince(t0);
            for (int k = 0; k < ready.size(); k++) {
                int i = ready.get(k);
                rows[i] = resultRow(batch.get(i), results.get(k), ms);
            }
        }
    }

    private List<GenerationResult> call(List<GenerationRequest> requests) {
        long t0 = System.nanoTime();
        try {
            List<GenerationResult> r = model.generate(requests);
            if (r.size() != requests.size()) {
                throw new IllegalStateException("model returned " + r.size() + " results for " + requests.size()
                        + " requests");
            }
            return r;
        } finally {
            if (fn.counters() != null) {
                fn.counters().modelCalls().add(1);
                fn.counters().generateMillis().add(millisSince(t0));
            }
        }
    }

    private Prepared prepare(WorkItem item, Row passthrough) {
        long t0 = System.nanoTime();
        List<ImageSize> sizes = new ArrayList<>(Collections.nCopies(item.imageUris().size(), null));
        try {
            if (item.imageUris().isEmpty()) {
                throw new StageException(ErrorStage.READ, "item " + item.itemId() + " has no image URI", null);
            }
            List<RgbImage> images = new ArrayList<>();
            for (int i = 0; i < item.imageUris().size(); i++) {
                String uri = item.imageUris().get(i);
                byte[] bytes = reader.read(uri);
                RgbImage img;
                try {
                    img = decoder.decode(bytes, uri);
                } catch (Exception e) {
                    throw new StageException(ErrorStage.DECODE, naming(uri, "cannot decode", e), e);
                }
                sizes.set(i, new ImageSize(img.width(), img.height()));
                images.add(img);
            }
            ImageProcessor processor = model.model().imageProcessor();
            List<ProcessedImage> processed = new ArrayList<>();
            int[] imageTokens = new int[images.size()];
            for (int i = 0; i < images.size(); i++) {
                try {
                    ProcessedImage p = processor.process(images.get(i), item.numCrops());
                    processed.add(p);
                    imageTokens[i] = p.numImgTokens();
                } catch (Exception e) {
                    throw new StageException(ErrorStage.PREPROCESS,
                            naming(item.imageUris().get(i), "cannot preprocess", e), e);
                }
            }
            Prompt prompt;
            try {
                prompt = model.model().promptBuilder().build(List.of(new ChatMessage("user", item.prompt())),
                        imageTokens);
            } catch (Exception e) {
                throw new StageException(ErrorStage.PREPROCESS, "cannot build the prompt of item " + item.itemId()
                        + " (task " + item.task() + "): " + message(e), e);
            }
            GenerationRequest request = new GenerationRequest(prompt, processed, item.generation().toConfig());
            return new Prepared(item, passthrough, request, sizes, millisSince(t0), null);
        } catch (StageException e) {
            return new Prepared(item, passthrough, null, sizes, millisSince(t0), e);
        } catch (RuntimeException e) {
            // Anything else that is wrong with one item (e.g. a request the model rejects) is that item's error
            // row, not a failure of the whole task: one row per work item, always.
            StageException wrapped = new StageException(ErrorStage.PREPROCESS, "cannot prepare item " + item.itemId()
                    + " " + item.imageUris() + " (task " + item.task() + "): " + message(e), e);
            return new Prepared(item, passthrough, null, sizes, millisSince(t0), wrapped);
        }
    }

    private Row resultRow(Prepared p, GenerationResult g, long generateMillis) {
        String status = ResultRow.OK;
        String error = null;
        ErrorStage stage = null;
        ParsedOutput parsed;
        try {
            parsed = OutputParsers.parse(p.item().output(), g.text());
            if (parsed.parseError() != null) {
                status = ResultRow.ERROR;
                stage = ErrorStage.PARSE;
                error = p.item().task() + " answer of item " + p.item().itemId() + " could not be parsed: "
                        + parsed.parseError();
            }
        } catch (RuntimeException e) {
            parsed = null;
            status = ResultRow.ERROR;
            stage = ErrorStage.PARSE;
            error = p.item().task() + " answer of item " + p.item().itemId() + " could not be parsed: " + message(e);
        }
        ResultRow r = new ResultRow(fn.runId(), p.item(), g.text(), status, error, stage,
                g.finishReason().name().toLowerCase(Locale.ROOT), g.promptTokens(), g.imageTokens(),
                g.outputTokens(), p.prepareMillis() + generateMillis, fn.model(), fn.modelRevision(), p.sizes(),
                device, Instant.now(), parsed, fn.runDate());
        count(r);
        return ResultSchema.toRow(r, p.passthrough(), fn.java8Time());
    }

    private Row generateError(Prepared p, RuntimeException e, long generateMillis) {
        String msg = "generate failed for item " + p.item().itemId() + " " + p.item().imageUris() + ": " + message(e);
        return errorRow(p, ErrorStage.GENERATE, msg, generateMillis);
    }

    private Row errorRow(Prepared p, ErrorStage stage, String message, long generateMillis) {
        Integer imageTokens = null;
        Integer promptTokens = null;
        if (p.request() != null) {
            promptTokens = p.request().prompt().length();
            imageTokens = p.request().prompt().imageTokenCount();
        }
        ResultRow r = new ResultRow(fn.runId(), p.item(), null, ResultRow.ERROR, message, stage, null, promptTokens,
                imageTokens, null, p.prepareMillis() + generateMillis, fn.model(), fn.modelRevision(), p.sizes(),
                device, Instant.now(), null, fn.runDate());
        count(r);
        return ResultSchema.toRow(r, p.passthrough(), fn.java8Time());
    }

    private void count(ResultRow r) {
        ProgressCounters c = fn.counters();
        if (c == null) {
            return;
        }
        c.items().add(1);
        if (!r.ok()) {
            c.errors().add(1);
        }
        if (r.promptTokens() != null && r.outputTokens() != null) {
            c.promptTokens().add(r.promptTokens());
            c.outputTokens().add(r.outputTokens());
        }
    }

    private static String naming(String uri, String what, Exception e) {
        String m = message(e);
        return m.contains(uri) ? m : what + " " + uri + ": " + m;
    }

    private static String message(Throwable e) {
        return e.getMessage() == null ? e.getClass().getName() : e.getMessage();
    }

    private static long millisSince(long t0) {
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
    }

    /** An item after read, decode and preprocess: a ready request, or the failure. */
    private record Prepared(WorkItem item, Row passthrough, GenerationRequest request, List<ImageSize> sizes,
                            long prepareMillis, StageException failure) {
    }
}
