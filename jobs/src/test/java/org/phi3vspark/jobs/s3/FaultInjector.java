package org.phi3vspark.jobs.s3;

import java.util.function.Consumer;
import software.amazon.awssdk.core.SdkRequest;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;

/**
 * An AWS SDK interceptor that S3A adds to its S3 client when it is named in
 * {@code fs.s3a.audit.execution.interceptors}. It sees every request before it is sent, which lets a test stop the
 * S3 server at an exact point of a run (say, the third image download); the failure itself is then real.
 */
public final class FaultInjector implements ExecutionInterceptor {

    private static volatile Consumer<SdkRequest> hook;

    /** Runs {@code h} before every S3 request of every client that has this interceptor; null to stop. */
    public static void setHook(Consumer<SdkRequest> h) {
        hook = h;
    }

    @Override
    public void beforeExecution(Context.BeforeExecution context, ExecutionAttributes executionAttributes) {
        Consumer<SdkRequest> h = hook;
        if (h != null) {
            h.accept(context.request());
        }
    }
}
