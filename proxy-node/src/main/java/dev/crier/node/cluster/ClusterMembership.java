package dev.crier.node.cluster;

import com.typesafe.config.Config;
import java.util.concurrent.CompletableFuture;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Join;

/**
 * Joins the cluster: through the configured seed nodes (Pekko keeps retrying until one answers),
 * or, with none configured, by forming a cluster of this node alone.
 */
public final class ClusterMembership {
  private ClusterMembership() {}

  /** Starts joining; completes when this node is Up. */
  public static CompletableFuture<Done> join(ActorSystem<?> system, Config config) {
    Cluster cluster = Cluster.get(system);
    if (config.getStringList("pekko.cluster.seed-nodes").isEmpty()) {
      cluster.manager().tell(Join.create(cluster.selfMember().address()));
    }
    CompletableFuture<Done> up = new CompletableFuture<>();
    org.apache.pekko.cluster.Cluster.get(system.classicSystem())
        .registerOnMemberUp(() -> up.complete(Done.getInstance()));
    return up;
  }
}
