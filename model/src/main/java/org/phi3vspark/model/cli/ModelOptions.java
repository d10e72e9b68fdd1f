package org.phi3vspark.model.cli;

import ai.djl.Device;
import ai.djl.ndarray.types.DataType;
import java.nio.file.Path;
import org.phi3vspark.model.Phi3VModel;
import picocli.CommandLine.Option;

/** The options every model command shares: which checkpoint, on which device. */
public final class ModelOptions {
    @Option(names = "--model", description = "Hugging Face snapshot directory of the model.")
    Path model;

    @Option(names = "--device", defaultValue = "cpu", description = "cpu, gpu or gpu:N. Default: ${DEFAULT-VALUE}.")
    String device;

    @Option(names = "--dtype", defaultValue = "auto",
            description = "auto (float32 on CPU, float16 on GPU), float32 or float16. Default: ${DEFAULT-VALUE}.")
    String dtype;

    Device device() {
        return Phi3VModel.parseDevice(device);
    }

    Phi3VModel load() {
        if (model == null) {
            throw new IllegalArgumentException("--model DIR is required");
        }
        return load(model);
    }

    /** Loads {@code dir} with these options' device and dtype. */
    Phi3VModel load(Path dir) {
        Device d = device();
        return switch (dtype.toLowerCase(java.util.Locale.ROOT)) {
            case "auto" -> Phi3VModel.load(dir, d);
            case "float32", "fp32" -> Phi3VModel.load(dir, d, DataType.FLOAT32);
            case "float16", "fp16" -> Phi3VModel.load(dir, d, DataType.FLOAT16);
            default -> throw new IllegalArgumentException("--dtype must be auto, float32 or float16, got '" + dtype + "'");
        };
    }
}
