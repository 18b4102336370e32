package dev.crier.node.management;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Extension;
import org.apache.pekko.actor.typed.ExtensionId;

/**
 * Where this node is in its life: starting, serving, or draining. Read by readiness checks and by
 * routes that must refuse new work while the node is not serving.
 */
public final class NodeLifecycle implements Extension {

  /** The phases, in the only order they occur. */
  public enum Phase {
    STARTING,
    SERVING,
    DRAINING
  }

  private static final ExtensionId<NodeLifecycle> ID =
      new ExtensionId<>() {
        @Override
        public NodeLifecycle createExtension(ActorSystem<?> system) {
          return new NodeLifecycle();
        }
      };

  private final AtomicReference<Phase> phase = new AtomicReference<>(Phase.STARTING);
  private final CompletableFuture<Void> served = new CompletableFuture<>();

  public static NodeLifecycle get(ActorSystem<?> system) {
    return ID.apply(system);
  }

  public Phase phase() {
    return phase.get();
  }

  public boolean serving() {
    return phase.get() == Phase.SERVING;
  }

  /** Moves from STARTING to SERVING; a node already draining stays draining. */
  public void serve() {
    phase.compareAndSet(Phase.STARTING, Phase.SERVING);
    served.complete(null);
  }

  /** Completes once the node has started serving (at once if it has); never fails. */
  public CompletableFuture<Void> started() {
    return served.copy();
  }

  public void drain() {
    phase.set(Phase.DRAINING);
  }
}
