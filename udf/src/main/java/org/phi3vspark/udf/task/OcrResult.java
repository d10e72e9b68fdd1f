package org.phi3vspark.udf.task;

import java.util.List;

/** Typed {@code ocr} column: the whole transcription and its non-empty lines, in order. */
public record OcrResult(String text, List<String> lines) {
}
