package dev.crier.node.topic;

import dev.crier.node.ClusterMessage;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/**
 * Holds, on the node an entity left, the state it handed off in memory mode, until its next
 * incarnation (on any node) claims it while recovering ({@link HandOffSnapshotStore}). So a drain
 * or a rebalance keeps a topic's history, keys, schedules and epoch, and a channel's messages,
 * without a database. One per node, at {@code /user/owner-handoffs}.
 */
public final class OwnerHandOffs {

  /** What the depot understands. */
  public sealed interface Command extends ClusterMessage {}

  /**
   * A snapshot as Pekko serialization wrote it, so that the depot holds any entity's (a topic
   * owner's, a channel's) without knowing its type.
   */
  public record Serialized(int serializerId, String manifest, byte[] bytes) {}

  /** Keeps the state an entity handed off (sent from this node only). */
  public record Deposit(String persistenceId, long sequenceNr, Serialized snapshot)
      implements Command {}

  /** Gives out, once, the state held for an owner; sent by the recovering owner's node. */
  public record Claim(String persistenceId, ActorRef<Claimed> replyTo) implements Command {}

  /**
   * The answer to a {@link Claim}.
   *
   * @param snapshot null when none is held
   */
  public record Claimed(String persistenceId, long sequenceNr, Serialized snapshot)
      implements ClusterMessage {}

  /** Asks how many hand-offs are still unclaimed (for shutdown, which waits for them). */
  public record CountHeld(ActorRef<Integer> replyTo) implements Command {}

  private record Expire(String persistenceId) implements Command {}

  /** The depot's name under {@code /user}. */
  public static final String NAME = "owner-handoffs";

  private OwnerHandOffs() {}

  /**
   * @param keepFor how long an unclaimed hand-off is kept
   */
  public static Behavior<Command> create(Duration keepFor) {
    return Behaviors.withTimers(
        timers -> {
          Map<String, Deposit> held = new HashMap<>();
          return Behaviors.receive(Command.class)
              .onMessage(
                  Deposit.class,
                  d -> {
                    held.put(d.persistenceId(), d);
                    timers.startSingleTimer(
                        d.persistenceId(), new Expire(d.persistenceId()), keepFor);
                    return Behaviors.same();
                  })
              .onMessage(
                  Claim.class,
                  c -> {
                    Deposit d = held.remove(c.persistenceId());
                    timers.cancel(c.persistenceId());
                    c.replyTo()
                        .tell(
                            d == null
                                ? new Claimed(c.persistenceId(), 0, null)
                                : new Claimed(c.persistenceId(), d.sequenceNr(), d.snapshot()));
                    return Behaviors.same();
                  })
              .onMessage(
                  CountHeld.class,
                  c -> {
                    c.replyTo().tell(held.size());
                    return Behaviors.same();
                  })
              .onMessage(
                  Expire.class,
                  e -> {
                    held.remove(e.persistenceId());
                    return Behaviors.same();
                  })
              .build();
        });
  }
}
