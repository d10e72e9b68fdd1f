package org.phi3vspark.udf.exec;

import java.util.Optional;

/**
 * Thrown by a task after spark.phi3v.maxConsecutiveModelFailures model failures in a row: the model, not the
 * input, is broken (non-finite logits, a dead GPU), so the task fails instead of writing a partition of error
 * rows; Spark retries it elsewhere, and a model that keeps failing fails the job. The message names the cause.
 */
public final class ModelFailedException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public ModelFailedException(String message, Throwable cause) {
        super(message, cause);
    }

    /**
     * The message of the model failure behind a failed Spark job, if there is one: Spark wraps the task's exception
     * (as a cause when it could be deserialized, else only in its message text).
     */
    public static Optional<String> findIn(Throwable jobFailure) {
        String marker = ModelFailedException.class.getName() + ": ";
        for (Throwable t = jobFailure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof ModelFailedException) {
                return Optional.of(t.getMessage());
            }
            String m = t.getMessage();
            int at = m == null ? -1 : m.indexOf(marker);
            if (at >= 0) {
                String rest = m.substring(at + marker.length());
                int end = rest.indexOf('\n');
                return Optional.of(end < 0 ? rest : rest.substring(0, end));
            }
        }
        return Optional.empty();
    }
}
