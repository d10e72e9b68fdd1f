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
import org.phi3vspark.model.engine.Completion;
import org.phi3vspark.model.engine.GenerationEngine;
import org.phi3vspark.model.generate.GenerationRequest;
import org.phi3vspark.model.generate.GenerationResult;
import org.phi3vspark.model.generate.RequestBuilder;
import org.phi3vspark.model.image.ImageDecoder;
import org.phi3vspark.model.image.RgbImage;
import org.phi3vspark.model.text.PromptException;
import org.phi3vspark.udf.conf.Phi3vConf;
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
 * and hands them to a small pool that reads, decodes and preprocesses up to {@code prefetchRequests} of them ahead;
 * prepared requests go, in input order, into the partition's {@link GenerationEngine} while it wants more
 * (back-pressure: its queue holds at most maxRunning), and the task thread steps the engine. Rows come out in
 * completion order, not input order: a request's row as soon as it finishes (an item that fails before the model,
 * as soon as it is prepared).
 *
 * <p>Failures: an item's fault (unreadable, undecodable, an invalid conversation, a request the model rejects,
 * unparseable output) is its error row. A request that fails in a step it shared with others is retried alone; a
 * request that still fails because of the model ({@link ModelFailures}) is an error row with stage {@code model},
 * and after {@code maxConsecutiveModelFailures} of those in a row the task fails with {@link ModelFailedException}.
 * Only a finished generation yields an ok row.
 */
final class PartitionRun implements Iterator<Row> {

    private final InferencePartition fn;
    private final Iterator<Row> input;
    private final Deque<Future<Prepared>> pending = new ArrayDeque<>();
    private final Deque<Row> out = new ArrayDeque<>();
    private ExecutorService pool;
    private LoadedModels.Loaded model;
    private GenerationEngine<Prepared> engine;
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
    }

    @Override
    public boolean hasNext() {
        while (out.isEmpty()) {
            if (pending.isEmpty() && !input.hasNext() && (engine == null || engine.idle())) {
                close();
                return false;
            }
            advance();
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
        engine = model.model().newEngine(fn.settings().engineOptions(model.model().engineDefaults()));
        requests = RequestBuilder.of(model.model());
        answers = new TaskAnswers(fn.tasks(), fn.settings().constrainedDecoding(), model.key().modelDir());
        device = dev.toString();
        reader = new ImageReader(fn.hadoopConf().get(), fn.settings().maxImageBytes(),
                Phi3vConf.MAX_IMAGE_BYTES.key());
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
        if (engine != null) {
            engine.close();
        }
    }

    /** Feeds the engine, then runs one engine step and turns what finished into rows. */
    private void advance() {
        if (model == null) {
            start();
        }
        feed();
        if (engine.idle()) {
            return;
        }
        List<Completion<Prepared>> finished;
        long t0 = System.nanoTime();
        try {
            finished = model.step(engine);
        } finally {
            countModelCall(t0);
        }
        for (Completion<Prepared> c : finished) {
            out.add(c.ok() ? succeeded(c.tag(), c.result()) : failed(c));
        }
    }

    /**
     * Submits prepared requests in input order while the engine wants more: those already prepared, or, when the
     * engine has nothing else to do, the next one as soon as it is. Items that failed before the model become their
     * error rows here.
     */
    private void feed() {
        fill();
        while (!pending.isEmpty() && engine.wantsMore() && (pending.peekFirst().isDone() || engine.idle())) {
            Prepared p = await(pending.removeFirst());
            if (p.failure() != null) {
                out.add(errorRow(p, p.failure().stage(), p.failure().getMessage()));
            } else {
                engine.submit(p.request(), p);
            }
            fill();
        }
    }

    /** Submits work rows for preparation until prefetchRequests are pending or the input is exhausted. */
    private void fill() {
        while (pending.size() < fn.settings().prefetchRequests() && input.hasNext()) {
            Row row = input.next();
            WorkItem item = WorkSchema.LAYOUT.decode(row);
            Row passthrough = RowLayout.passthroughOf(row);
            pending.addLast(pool.submit(() -> prepare(item, passthrough)));
        }
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

    private Row succeeded(Prepared p, GenerationResult result) {
        consecutiveModelFailures = 0;
        if (fn.counters() != null) {
            fn.counters().reusedPromptTokens().add(result.reusedPromptTokens());
        }
        return resultRow(p, result);
    }

    /**
     * A request that failed in a step shared with others is retried alone, so that only a request that fails by
     * itself becomes an error row.
     */
    private Row failed(Completion<Prepared> c) {
        Prepared p = c.tag();
        if (c.alone()) {
            return generateFailure(p, c.failure());
        }
        GenerationResult r;
        long t0 = System.nanoTime();
        try {
            r = model.generate(List.of(p.request()), engine.options()).get(0);
        } catch (RuntimeException | OutOfMemoryError single) {
            return generateFailure(p, single);
        } finally {
            countModelCall(t0);
        }
        return succeeded(p, r);
    }

    private void countModelCall(long startNanos) {
        if (fn.counters() != null) {
            fn.counters().modelCalls().add(1);
            fn.counters().generateMillis().add(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos));
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
        // one size per image, null until it is decoded; a video has none until its frames are known
        List<ImageSize> sizes = item.isVideo() ? null
                : new ArrayList<>(Collections.nCopies(item.images().size(), null));
        List<Double> timestamps = null;
        try {
            if (item.invalid() != null) {
                throw new StageException(ErrorStage.PREPROCESS, item.invalid(), null);
            }
            if (item.images().isEmpty()) {
                throw new StageException(ErrorStage.READ, "item " + item.itemId() + " has no image URI", null);
            }
            List<RgbImage> images = new ArrayList<>();
            VideoFrames.Frames frames = null;
            if (item.isVideo()) {
                // a multi-image item of its sampled frames, its prompt tagged for their number
                frames = videos.read(item, clock);
                images.addAll(frames.images());
                sizes = frames.sizes();
                timestamps = frames.timestamps();
            } else {
                for (int i = 0; i < item.images().size(); i++) {
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
            }
            WorkItem asked = frames == null ? item : frames.item();
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

    /** The failure's message, prefixed with what failed on which URI unless it names the URI already. */
    static String naming(String uri, String what, Throwable e) {
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
