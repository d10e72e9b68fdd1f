/**
 * Planning, on the driver (and in the planning stage's tasks): what a run will ask. Owns the manifest's meaning
 * ({@link org.phi3vspark.udf.plan.ManifestLayout}, checked before any executor starts), the manifest row to work
 * rows step ({@link org.phi3vspark.udf.plan.WorkPlanner}: URIs, one file status per image, the row's conversation,
 * rendered prompts) and the content and request keys ({@link org.phi3vspark.udf.plan.Keys}) that reruns skip by.
 *
 * <p>Must not import: {@code org.phi3vspark.udf.exec} (execution) or the engine ({@code ai.djl}); planning never
 * loads a model. Checked by {@code DependencyRulesTest}.
 */
package org.phi3vspark.udf.plan;
