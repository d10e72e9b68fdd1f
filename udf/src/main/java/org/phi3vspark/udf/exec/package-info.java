/**
 * Execution, on the executors: work rows to result rows. Owns the mapPartitions function
 * ({@link org.phi3vspark.udf.exec.InferencePartition}, {@code PartitionRun}: prefetch of read, decode and
 * preprocess, a stream of requests through the partition's generation engine, parse), what a task adds around the
 * model call ({@code TaskAnswers}: a JSON-schema constraint per request, compiled once per JVM by
 * {@code CompiledSchemas}; the answer checked), the models loaded in this JVM
 * ({@link org.phi3vspark.udf.exec.LoadedModels}, one per directory and device), image reading, and the failure
 * semantics: an item's fault is its error row, a model that fails
 * {@code spark.phi3v.maxConsecutiveModelFailures} times in a row fails the task
 * ({@link org.phi3vspark.udf.exec.ModelFailedException}).
 *
 * <p>Must not import: {@code org.phi3vspark.udf.plan} (planning). Checked by {@code DependencyRulesTest}.
 */
package org.phi3vspark.udf.exec;
