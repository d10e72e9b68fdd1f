/**
 * The row layouts that planning and execution share, each declared once as a
 * {@link org.phi3vspark.udf.row.RowLayout} that encodes a record into a Spark row and decodes it back by column
 * name: work rows ({@link org.phi3vspark.udf.row.WorkSchema} of {@link org.phi3vspark.udf.row.WorkItem}) and
 * result rows ({@link org.phi3vspark.udf.row.ResultSchema} of {@link org.phi3vspark.udf.row.ResultRow}, from which
 * conf/results.avsc and the column tables of conf/SCHEMA.md and the README are generated), and a run's result rows
 * with the typed columns of its json tasks ({@link org.phi3vspark.udf.row.ResultTable}).
 *
 * <p>Must not import: {@code org.phi3vspark.udf.plan}, {@code org.phi3vspark.udf.exec} or the entry points of
 * {@code org.phi3vspark.udf}. Checked by {@code DependencyRulesTest}.
 */
package org.phi3vspark.udf.row;
