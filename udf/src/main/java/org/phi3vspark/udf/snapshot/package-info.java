/**
 * Which model: {@link org.phi3vspark.udf.snapshot.ModelRef} (the location as given, where it is, its revision,
 * the config checks, resolved once on the driver) and {@link org.phi3vspark.udf.snapshot.ModelCache}, the
 * on-disk copies of remote snapshots that executors load from (one per machine and snapshot content).
 *
 * <p>Must not import: {@code org.phi3vspark.udf.plan}, {@code org.phi3vspark.udf.exec} or the entry points of
 * {@code org.phi3vspark.udf}. Checked by {@code DependencyRulesTest}.
 */
package org.phi3vspark.udf.snapshot;
