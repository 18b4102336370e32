package dev.crier.node.management;

import dev.crier.node.auth.TokenAdmin;
import dev.crier.node.bridge.BridgeCounters;
import dev.crier.node.cluster.NodeInfo;
import dev.crier.node.cluster.RegistryView;
import dev.crier.node.http.Access;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Extension;
import org.apache.pekko.actor.typed.ExtensionId;

/**
 * The read-only views of cluster state that management routes show. Pekko Management creates its
 * route providers by class name, so the node hands the views over through this extension once, at
 * start, before management starts.
 */
public final class ClusterViews implements Extension {
  private static final ExtensionId<ClusterViews> ID =
      new ExtensionId<>() {
        @Override
        public ClusterViews createExtension(ActorSystem<?> system) {
          return new ClusterViews();
        }
      };

  private final AtomicReference<RegistryView> registry = new AtomicReference<>();
  private final AtomicReference<Map<String, NodeInfo>> nodes = new AtomicReference<>(Map.of());

  private final AtomicReference<BridgeCounters> bridge = new AtomicReference<>();
  private final AtomicReference<NodeMetrics> metrics = new AtomicReference<>();
  private final AtomicReference<Access> admin = new AtomicReference<>();
  private final AtomicReference<TokenAdmin> tokens = new AtomicReference<>();

  public static ClusterViews get(ActorSystem<?> system) {
    return ID.apply(system);
  }

  public void registry(RegistryView view) {
    registry.set(view);
  }

  RegistryView registry() {
    return registry.get();
  }

  /** How admin routes authenticate their caller (an admin token or the static admin secret). */
  public void admin(Access access) {
    admin.set(access);
  }

  Access admin() {
    return admin.get();
  }

  /** What the admin token routes mint and revoke with. */
  public void tokens(TokenAdmin tokenAdmin) {
    tokens.set(tokenAdmin);
  }

  TokenAdmin tokens() {
    return tokens.get();
  }

  public void metrics(NodeMetrics nodeMetrics) {
    metrics.set(nodeMetrics);
  }

  NodeMetrics metrics() {
    return metrics.get();
  }

  public void bridge(BridgeCounters counters) {
    bridge.set(counters);
  }

  BridgeCounters bridge() {
    return bridge.get();
  }

  /** Written by the node directory, read by routes. */
  public AtomicReference<Map<String, NodeInfo>> nodes() {
    return nodes;
  }
}
