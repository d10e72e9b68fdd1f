package org.phi3vspark.model.cli;

import java.nio.file.Path;
import org.phi3vspark.model.Phi3VModel;
import picocli.CommandLine.Option;

/** The options every model command shares: which checkpoint, on which device. */
public final class ModelOptions {
    @Option(names = "--model", required = true, description = "Hugging Face snapshot directory of the model.")
    Path model;

    @Option(names = "--device", defaultValue = "cpu", description = "cpu, gpu or gpu:N. Default: ${DEFAULT-VALUE}.")
    String device;

    Phi3VModel load() {
        return Phi3VModel.load(model, Phi3VModel.parseDevice(device));
    }
}
