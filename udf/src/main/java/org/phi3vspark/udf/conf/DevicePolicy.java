package org.phi3vspark.udf.conf;

import java.util.Locale;
import java.util.Map;
import ai.djl.Device;
import org.apache.spark.TaskContext;
import org.apache.spark.resource.ResourceInformation;

/** How a task picks its device: the GPU Spark assigned to it (resource "gpu"), else the CPU. */
public enum DevicePolicy {
    /** GPU when Spark assigned one to the task, CPU otherwise. */
    AUTO,
    /** Always the CPU, even when a GPU is assigned. */
    CPU,
    /** The assigned GPU; GPU 0 when Spark assigned none (local mode on a GPU machine). */
    GPU;

    public static DevicePolicy parse(String s) {
        return valueOf(s.trim().toUpperCase(Locale.ROOT));
    }

    public Device choose(TaskContext tc) {
        String address = null;
        if (tc != null) {
            Map<String, ResourceInformation> res = tc.resourcesJMap();
            ResourceInformation gpu = res == null ? null : res.get("gpu");
            if (gpu != null && gpu.addresses().length > 0) {
                address = gpu.addresses()[0];
            }
        }
        return switch (this) {
            case CPU -> Device.cpu();
            case AUTO -> address == null ? Device.cpu() : Device.gpu(gpuIndex(address));
            case GPU -> Device.gpu(address == null ? 0 : gpuIndex(address));
        };
    }

    private static int gpuIndex(String address) {
        try {
            return Integer.parseInt(address.trim());
        } catch (NumberFormatException e) {
            throw new IllegalStateException("Spark assigned GPU address '" + address
                    + "', which is not a device index; check the GPU discovery script", e);
        }
    }
}
