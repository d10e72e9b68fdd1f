/**
 * Tasks: presets (prompt template, crop budgets, generation settings, output kind, JSON schema) from the bundled
 * tasks.json, a user file or per-run overrides ({@link org.phi3vspark.udf.task.TaskRegistry}), the typed column a
 * schema gives a json task ({@link org.phi3vspark.udf.task.JsonColumn}), and the parsers that fill the typed result
 * columns and check answers against their schema ({@link org.phi3vspark.udf.task.OutputParsers}).
 *
 * <p>Must not import: {@code org.phi3vspark.udf.plan}, {@code org.phi3vspark.udf.exec} or the entry points of
 * {@code org.phi3vspark.udf}. Checked by {@code DependencyRulesTest}.
 */
package org.phi3vspark.udf.task;
