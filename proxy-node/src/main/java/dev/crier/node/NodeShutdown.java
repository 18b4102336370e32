package dev.crier.node;

import dev.crier.node.cluster.ShardedTopicOwners;
import dev.crier.node.management.NodeLifecycle;
import dev.crier.node.subscribe.Connections;
import dev.crier.node.topic.OwnerHandOffs;
import dev.crier.node.topic.TopicHubs;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.Done;
import org.apache.pekko.actor.CoordinatedShutdown;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.http.javadsl.Http;
import org.apache.pekko.http.javadsl.ServerBinding;
import org.apache.pekko.pattern.Patterns;

/**
 * The node's part of CoordinatedShutdown: it drains its SSE streams before the listener unbinds (so
 * clients see a clean end and reconnect elsewhere rather than a reset connection), and it waits for
 * its owners' in-memory hand-offs to be claimed before it leaves the cluster.
 */
final class NodeShutdown {
  /** How often the shutdown looks again at what it waits for. */
  private static final Duration POLL = Duration.ofMillis(20);

  private NodeShutdown() {}

  /** Holds the {@code crier-hand-over} phase until every hand-off from this node is claimed. */
  static void awaitHandOffs(
      ActorSystem<Void> system, ActorRef<OwnerHandOffs.Command> handOffs, Duration askTimeout) {
    CoordinatedShutdown.get(system)
        .addTask(
            "crier-hand-over",
            "crier-await-hand-offs",
            () -> handOffsClaimed(system, handOffs, askTimeout));
  }

  private static CompletionStage<Done> handOffsClaimed(
      ActorSystem<Void> system, ActorRef<OwnerHandOffs.Command> handOffs, Duration askTimeout) {
    if (!ShardedTopicOwners.othersUp(system)) {
      return CompletableFuture.completedFuture(Done.getInstance());
    }
    return AskPattern.<OwnerHandOffs.Command, Integer>ask(
            handOffs, OwnerHandOffs.CountHeld::new, askTimeout, system.scheduler())
        .exceptionally(failure -> 0)
        .thenCompose(
            held ->
                held == 0
                    ? CompletableFuture.completedFuture(Done.getInstance())
                    : Patterns.after(
                        POLL.multipliedBy(5),
                        system.classicSystem().scheduler(),
                        system.executionContext(),
                        () -> handOffsClaimed(system, handOffs, askTimeout)));
  }

  /**
   * Drains the streams before the listener unbinds, then unbinds, lets answers in flight finish
   * within {@code linger}, and closes the HTTP client pools.
   */
  static void drainThenUnbind(
      ActorSystem<Void> system,
      NodeLifecycle lifecycle,
      ActorRef<TopicHubs.Command> hubs,
      Connections connections,
      ServerBinding binding,
      Duration linger,
      Duration askTimeout) {
    CoordinatedShutdown shutdown = CoordinatedShutdown.get(system);
    shutdown.addTask(
        CoordinatedShutdown.PhaseBeforeServiceUnbind(),
        "crier-complete-streams",
        () -> {
          lifecycle.drain();
          // Batches spread over crier.drain.window first; then the hubs end anything that raced
          // in meanwhile and stop.
          return connections
              .drain(system.classicSystem().scheduler(), system.executionContext())
              .thenCompose(
                  drained ->
                      AskPattern.<TopicHubs.Command, Done>ask(
                          hubs, TopicHubs.CompleteAll::new, askTimeout, system.scheduler()))
              .thenCompose(done -> streamsEnded(system, connections, linger));
        });
    shutdown.addTask(
        CoordinatedShutdown.PhaseServiceUnbind(),
        "crier-http-unbind",
        () -> binding.unbind().thenApply(unbound -> Done.getInstance()));
    shutdown.addTask(
        CoordinatedShutdown.PhaseServiceRequestsDone(),
        "crier-http-terminate",
        () -> binding.terminate(linger).thenApply(t -> Done.getInstance()));
    // The auth webhook's client pool, closed before the actor system goes, not torn down by it.
    shutdown.addTask(
        CoordinatedShutdown.PhaseServiceStop(),
        "crier-http-client-pools",
        () -> Http.get(system).shutdownAllConnectionPools().thenApply(unit -> Done.getInstance()));
  }

  /**
   * Completes when no SSE stream is open any more, or after {@code wait}: completed streams still
   * need a moment to write their last bytes, and unbinding earlier would cut them.
   */
  private static CompletionStage<Done> streamsEnded(
      ActorSystem<Void> system, Connections connections, Duration wait) {
    if (connections.open() == 0 || wait.isNegative()) {
      return CompletableFuture.completedFuture(Done.getInstance());
    }
    return Patterns.after(
        POLL,
        system.classicSystem().scheduler(),
        system.executionContext(),
        () -> streamsEnded(system, connections, wait.minus(POLL)));
  }
}
