/**
 * The typed {@code spark.phi3v.*} executor settings ({@link org.phi3vspark.udf.conf.Phi3vConf}: key, default, doc
 * and validator in one place; conf/SETTINGS.md is generated from it), the device policy, and the Hadoop
 * configuration shipped to executors.
 *
 * <p>Must not import: {@code org.phi3vspark.udf.plan}, {@code org.phi3vspark.udf.exec} or the entry points of
 * {@code org.phi3vspark.udf}. Checked by {@code DependencyRulesTest}.
 */
package org.phi3vspark.udf.conf;
