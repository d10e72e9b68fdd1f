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

    @Option(names = "--attention-block-mib", paramLabel = "MIB", description = "The most one block of attention"
            + " (scores and their softmax) may take; longer prompts and more crops run in blocks. Default: 32 on"
            + " CPU, 512 on a GPU.")
    Integer attentionBlockMib;

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
        Phi3VModel.Options defaults = Phi3VModel.Options.defaults(d);
        DataType type = switch (dtype.toLowerCase(java.util.Locale.ROOT)) {
            case "auto" -> defaults.dtype();
            case "float32", "fp32" -> DataType.FLOAT32;
            case "float16", "fp16" -> DataType.FLOAT16;
            default -> throw new IllegalArgumentException("--dtype must be auto, float32 or float16, got '" + dtype + "'");
        };
        Phi3VModel.Options options = defaults.withDtype(type);
        if (attentionBlockMib != null) {
            options = options.withAttentionBlockBytes((long) attentionBlockMib << 20);
        }
        return Phi3VModel.load(dir, d, options);
    }
}
