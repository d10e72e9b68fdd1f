/**
 * Spark side of phi3v, no CLI: the entry points other code calls. {@link org.phi3vspark.udf.Phi3vPipeline} is the
 * one pipeline (plan, skip what is done, infer) that {@code phi3v run} and the Spark ML
 * {@link org.phi3vspark.udf.Phi3vTransformer} both use.
 *
 * <p>Sub-packages, by where their code runs:
 * <ul>
 *   <li>{@code plan}: driver-side planning, manifest rows to work rows;</li>
 *   <li>{@code exec}: executor-side execution, work rows to result rows;</li>
 *   <li>{@code row}: the row layouts both sides share (work rows, result rows), each declared once;</li>
 *   <li>{@code task}: task presets and output parsers; {@code conf}: the spark.phi3v.* settings;
 *       {@code snapshot}: which model ({@code ModelRef}) and the local copies of remote snapshots.</li>
 * </ul>
 *
 * <p>Must not import: picocli or {@code org.phi3vspark.jobs} (the CLI), {@code org.phi3vspark.model.cli}.
 * Checked by {@code DependencyRulesTest}, with the rules of each sub-package.
 */
package org.phi3vspark.udf;
