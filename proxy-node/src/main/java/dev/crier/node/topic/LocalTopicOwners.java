package dev.crier.node.topic;

import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;

/**
 * The owners of all topics as children of one actor on this node: what Cluster Sharding does for a
 * cluster, for a single node.
 */
public final class LocalTopicOwners extends AbstractBehavior<LocalTopicOwners.Command> {

  /** What the local owner directory understands. */
  public sealed interface Command {}

  /** Delivers a command to the topic's owner, starting the owner first if needed. */
  public record Forward(String topic, TopicOwner.Command command) implements Command {}

  /**
   * Names where owners send their events. Sent once, right after start and before any {@link
   * Forward}: the receivers of events (the hubs) need this directory themselves, so the two are
   * wired after both exist.
   */
  public record UseTransport(EventTransport transport) implements Command {}

  /** The {@link TopicOwners} view of a running directory. */
  public static TopicOwners client(ActorRef<Command> directory, ActorSystem<?> system) {
    return new TopicOwners() {
      @Override
      public void tell(String topic, TopicOwner.Command command) {
        directory.tell(new Forward(topic, command));
      }

      @Override
      public <R> CompletionStage<R> ask(
          String topic, Function<ActorRef<R>, TopicOwner.Command> command, Duration timeout) {
        return AskPattern.ask(
            directory,
            replyTo -> new Forward(topic, command.apply(replyTo)),
            timeout,
            system.scheduler());
      }
    };
  }

  public static Behavior<Command> create(TopicOwner.Settings settings, Clock clock) {
    return Behaviors.setup(context -> new LocalTopicOwners(context, settings, clock));
  }

  private final TopicOwner.Settings settings;
  private final Clock clock;
  private EventTransport transport;
  private final Map<String, ActorRef<TopicOwner.Command>> owners = new HashMap<>();
  private long started;

  private LocalTopicOwners(
      ActorContext<Command> context, TopicOwner.Settings settings, Clock clock) {
    super(context);
    this.settings = settings;
    this.clock = clock;
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(UseTransport.class, this::onUseTransport)
        .onMessage(Forward.class, this::onForward)
        .build();
  }

  private Behavior<Command> onUseTransport(UseTransport use) {
    transport = use.transport();
    return this;
  }

  private Behavior<Command> onForward(Forward forward) {
    owners.computeIfAbsent(forward.topic(), this::start).tell(forward.command());
    return this;
  }

  private ActorRef<TopicOwner.Command> start(String topic) {
    if (transport == null) {
      throw new IllegalStateException("owner directory used before UseTransport");
    }
    // Topic names may hold characters actor names cannot, so children are numbered.
    return getContext()
        .spawn(TopicOwner.create(topic, settings, transport, clock), "owner-" + (++started));
  }
}
