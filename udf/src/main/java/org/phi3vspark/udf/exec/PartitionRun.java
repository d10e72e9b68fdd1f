package org.phi3vspark.udf.exec;

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
import org.phi3vspark.model.generate.RequestBuilder;
import org.phi3vspark.model.image.ImageDecoder;
import org.phi3vspark.model.image.RgbImage;
import org.phi3vspark.model.text.PromptException;
import org.phi3vspark.udf.row.ErrorStage;
import org.phi3vspark.udf.row.ImageFile;
import org.phi3vspark.udf.row.ImageSize;
import org.phi3vspark.udf.row.ResultRow;
import org.phi3vspark.udf.row.ResultRow.Outcome;
import org.phi3vspark.udf.row.ResultRow.Timings;
import org.phi3vspark.udf.row.ResultRow.Tokens;
import org.phi3vspark.udf.row.RowLayout;
import org.phi3vspark.udf.row.WorkItem;
import org.phi3vspark.udf.row.WorkSchema;
import org.phi3vspark.udf.task.ParsedOutput;

/**
 * One partition's run. The task thread pulls work rows from Spark (Spark's iterators belong to the task thread)
 * and hands them to a small pool that reads, decodes and preprocesses; the task thread keeps up to
 * (1 + prefetchBatches) batches in flight, so the next batch is being prepared while the model generates.
 * Rows come out in input order.
 *
 * <p>Failures: an item's fault (unreadable, undecodable, an invalid conversation, a request the model rejects,
 * unparseable output) is its error row. When a batch fails, each of its requests is retried alone; a request that
 * still fails because of the model ({@link ModelFailures}) is an error row with stage {@code model}, and after
 * {@code maxConsecutiveModelFailures} of those in a row the task fails with {@link ModelFailedException}. Only a
 * successful generate call yields an ok row.
 */
final class PartitionRun implements Iterator<Row> {

    private final InferencePartition fn;
    private final Iterator<Row> input;
    private final Deque<Future<Prepared>> pending = new ArrayDeque<>();
    private final Deque<Row> out = new ArrayDeque<>();
    private final int capacity;
    private ExecutorService pool;
    private LoadedModels.Loaded model;
    private RequestBuilder requests;
    private TaskAnswers answers;
    private ImageReader reader;
    private ImageDecoder decoder;
    private VideoFrames videos;
    private String device;
    private int consecutiveModelFailures;
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
        String localModel = fn.model().localDir(fn.hadoopConf().get()).toString();
        model = LoadedModels.get(localModel, dev, (long) fn.settings().attentionBlockMiB() << 20,
                c == null ? null : () -> c.modelLoads().add(1));
        requests = RequestBuilder.of(model.model());
        answers = new TaskAnswers(fn.tasks(), fn.settings().constrainedDecoding(), model.key().modelDir());
        device = dev.toString();
        reader = new ImageReader(fn.hadoopConf().get(), fn.settings().maxImageBytes());
        decoder = new ImageDecoder(fn.settings().maxImagePixels());
        videos = new VideoFrames(fn.hadoopConf().get(), fn.settings());
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
            WorkItem item = WorkSchema.LAYOUT.decode(row);
            Row passthrough = RowLayout.passthroughOf(row);
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
                rows[i] = errorRow(p, p.failure().stage(), p.failure().getMessage());
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
     * Batched generate; if the batch fails, each request is retried alone so that only the failing one becomes an
     * error row. Result rows are built outside the try: a failure while building a row must neither re-run the
     * model for the whole batch nor count rows twice.
     */
    private void generate(List<Prepared> batch, List<Integer> ready, Row[] rows) {
        if (ready.isEmpty()) {
            return;
        }
        List<GenerationResult> results;
        try {
            results = call(ready.stream().map(i -> batch.get(i).request()).toList());
        } catch (RuntimeException | OutOfMemoryError batchFailure) {
            if (ready.size() == 1) {
                int i = ready.get(0);
                rows[i] = generateFailure(batch.get(i), batchFailure);
                return;
            }
            for (int i : ready) {
                GenerationResult r;
                try {
                    r = call(List.of(batch.get(i).request())).get(0);
                } catch (RuntimeException | OutOfMemoryError single) {
                    rows[i] = generateFailure(batch.get(i), single);
                    continue;
                }
                rows[i] = resultRow(batch.get(i), r);
            }
            return;
        }
        for (int k = 0; k < ready.size(); k++) {
            int i = ready.get(k);
            rows[i] = resultRow(batch.get(i), results.get(k));
        }
    }

    private List<GenerationResult> call(List<GenerationRequest> batch) {
        long t0 = System.nanoTime();
        try {
            List<GenerationResult> r = model.generate(batch);
            if (r.size() != batch.size()) {
                throw new IllegalStateException("model returned " + r.size() + " results for " + batch.size()
                        + " requests");
            }
            consecutiveModelFailures = 0;
            return r;
        } finally {
            if (fn.counters() != null) {
                fn.counters().modelCalls().add(1);
                fn.counters().generateMillis().add(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0));
            }
        }
    }

    /** A request that failed alone: the item's error row, or, after too many model failures in a row, the task's. */
    private Row generateFailure(Prepared p, Throwable e) {
        String what = "item " + p.item().itemId() + " " + p.item().imageUris();
        if (!ModelFailures.isModelFailure(e)) {
            return errorRow(p, ErrorStage.GENERATE, "generate failed for " + what + ": " + message(e));
        }
        consecutiveModelFailures++;
        int limit = fn.settings().maxConsecutiveModelFailures();
        if (consecutiveModelFailures >= limit) {
            throw new ModelFailedException("the model failed on " + consecutiveModelFailures + " request(s) in a row"
                    + " (spark.phi3v.maxConsecutiveModelFailures=" + limit + "), last on " + what + " on " + device
                    + ": " + message(e) + ". The model or the device is at fault, not the input.", e);
        }
        return errorRow(p, ErrorStage.MODEL, "the model failed on " + what + " (not this item's fault; a rerun"
                + " retries it): " + message(e));
    }

    private Prepared prepare(WorkItem item, Row passthrough) {
        Stopwatch clock = new Stopwatch();
        List<ImageSize> sizes = new ArrayList<>(Collections.nCopies(item.images().size(), null));
        List<Double> timestamps = null;
        try {
            if (item.invalid() != null) {
                throw new StageException(ErrorStage.PREPROCESS, item.invalid(), null);
            }
            if (item.images().isEmpty()) {
                throw new StageException(ErrorStage.READ, "item " + item.itemId() + " has no image URI", null);
            }
            List<RgbImage> images = new ArrayList<>();
            // a video item is a multi-image item of its sampled frames, its prompt tagged for their number
            VideoFrames.Frames frames = item.isVideo() ? videos.read(item, clock) : null;
            if (frames != null) {
                images.addAll(frames.images());
                sizes = frames.sizes();
                timestamps = frames.timestamps();
            }
            WorkItem asked = frames == null ? item : frames.item();
            for (int i = 0; frames == null && i < item.images().size(); i++) {
                ImageFile file = item.images().get(i);
                String uri = file.uri();
                byte[] bytes = clock.time(Stopwatch.Stage.READ, () -> reader.read(file));
                RgbImage img;
                try {
                    img = clock.time(Stopwatch.Stage.IMAGE_DECODE, () -> decoder.decode(bytes, uri));
                } catch (Exception e) {
                    throw new StageException(ErrorStage.DECODE, naming(uri, "cannot decode", e), e);
                }
                sizes.set(i, new ImageSize(img.width(), img.height()));
                images.add(img);
            }
            GenerationRequest request;
            try {
                request = clock.time(Stopwatch.Stage.PREPROCESS, () -> answers.constrain(asked.request().task(),
                        requests.build(images, asked.request().conversation(), asked.request().numCrops(),
                                asked.request().generation())));
            } catch (RequestBuilder.ImageFailure e) {
                String uri = frames != null ? "frame " + (e.index() + 1) + " of " + item.imageUris().get(0)
                        : item.images().get(e.index()).uri();
                throw new StageException(ErrorStage.PREPROCESS, naming(uri, "cannot preprocess", e.getCause()), e);
            } catch (PromptException e) {
                throw new StageException(ErrorStage.PREPROCESS, "cannot build the prompt of item " + item.itemId()
                        + " (task " + item.request().task() + "): " + message(e), e);
            }
            return new Prepared(asked, passthrough, request, sizes, timestamps, clock, null);
        } catch (StageException e) {
            return new Prepared(item, passthrough, null, sizes, timestamps, clock, e);
        } catch (RuntimeException e) {
            // Anything else that is wrong with one item (e.g. a request the model rejects) is that item's error
            // row, not a failure of the whole task: one row per work item, always.
            StageException wrapped = new StageException(ErrorStage.PREPROCESS, "cannot prepare item " + item.itemId()
                    + " " + item.imageUris() + " (task " + item.request().task() + "): " + message(e), e);
            return new Prepared(item, passthrough, null, sizes, timestamps, clock, wrapped);
        }
    }

    private Row resultRow(Prepared p, GenerationResult g) {
        WorkItem w = p.item();
        String status = ResultRow.OK;
        String error = null;
        ErrorStage stage = null;
        ParsedOutput parsed;
        Boolean closedEarly = null;
        try {
            TaskAnswers.Answer answer = answers.read(w.request().task(), p.request(), g.text());
            parsed = answer.parsed();
            closedEarly = answer.closedEarly();
            if (parsed.parseError() != null) {
                status = ResultRow.ERROR;
                stage = ErrorStage.PARSE;
                error = w.request().task() + " answer of item " + w.itemId() + " could not be parsed: "
                        + parsed.parseError();
            }
        } catch (RuntimeException e) {
            parsed = null;
            status = ResultRow.ERROR;
            stage = ErrorStage.PARSE;
            error = w.request().task() + " answer of item " + w.itemId() + " could not be parsed: " + message(e);
        }
        Outcome outcome = new Outcome(status, g.text(), error, stage, g.finishReason().name().toLowerCase(Locale.ROOT),
                closedEarly, new Tokens(g.promptTokens(), g.imageTokens(), g.outputTokens()), parsed);
        return row(p, outcome, p.clock().timings(g.prefillMillis(), g.decodeMillis()));
    }

    private Row errorRow(Prepared p, ErrorStage stage, String message) {
        Tokens tokens = p.request() == null ? Tokens.NONE
                : new Tokens(p.request().prompt().length(), p.request().prompt().imageTokenCount(), null);
        return row(p, new Outcome(ResultRow.ERROR, null, message, stage, null, null, tokens, null),
                p.clock().timings(null, null));
    }

    private Row row(Prepared p, Outcome outcome, Timings timings) {
        WorkItem w = p.item();
        ResultRow r = new ResultRow(
                new ResultRow.Provenance(fn.runId(), fn.model().given(), fn.model().revision(), device, Instant.now(),
                        fn.runDate()),
                ResultRow.Item.of(w, p.sizes(), p.frameTimestamps()),
                w.request(), outcome, timings);
        count(outcome);
        return fn.table().encode(r, p.passthrough(), fn.java8Time());
    }

    private void count(Outcome o) {
        ProgressCounters c = fn.counters();
        if (c == null) {
            return;
        }
        c.items().add(1);
        if (!o.ok()) {
            c.errors().add(1);
        }
        if (o.tokens().prompt() != null && o.tokens().output() != null) {
            c.promptTokens().add(o.tokens().prompt());
            c.outputTokens().add(o.tokens().output());
        }
    }

    private static String naming(String uri, String what, Throwable e) {
        String m = message(e);
        return m.contains(uri) ? m : what + " " + uri + ": " + m;
    }

    private static String message(Throwable e) {
        return e.getMessage() == null ? e.getClass().getName() : e.getMessage();
    }

    /**
     * An item after read, decode and preprocess: a ready request, or the failure.
     *
     * @param frameTimestamps a video item's sampled frames (seconds), null for images or an undecoded video
     */
    private record Prepared(WorkItem item, Row passthrough, GenerationRequest request, List<ImageSize> sizes,
                            List<Double> frameTimestamps, Stopwatch clock, StageException failure) {
    }
}
