package dev.crier.node.management;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Adapter;

/**
 * Pekko Management readiness check: ready only while the node serves (not while starting or
 * draining), so load balancers and Kubernetes send traffic elsewhere.
 */
public final class ReadinessCheck implements Supplier<CompletionStage<Boolean>> {
  private final NodeLifecycle lifecycle;

  public ReadinessCheck(ActorSystem system) {
    this.lifecycle = NodeLifecycle.get(Adapter.toTyped(system));
  }

  @Override
  public CompletionStage<Boolean> get() {
    return CompletableFuture.completedFuture(lifecycle.serving());
  }
}
