package org.phi3vspark.udf.exec;

import org.phi3vspark.udf.row.ErrorStage;

/** An item-level failure: becomes an error row, never a task failure. The message names the input. */
public final class StageException extends Exception {

    private final ErrorStage stage;

    public StageException(ErrorStage stage, String message, Throwable cause) {
        super(message, cause);
        this.stage = stage;
    }

    public ErrorStage stage() {
        return stage;
    }
}
