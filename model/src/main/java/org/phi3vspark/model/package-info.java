/**
 * Phi-3.5-vision-instruct in pure Java on DJL: {@link org.phi3vspark.model.Phi3VModel} is the entry point;
 * {@code generate.RequestBuilder} turns images, a {@code text.Conversation}, a crop budget and a
 * {@code generate.GenerationConfig} into a request. {@code cli} holds the single-request commands and the
 * generation options they share.
 *
 * <p>Must not import: Spark, Hadoop or Scala, nor {@code org.phi3vspark.udf} or {@code org.phi3vspark.jobs}.
 * Checked by {@code DependencyRulesTest} (in udf/).
 */
package org.phi3vspark.model;
