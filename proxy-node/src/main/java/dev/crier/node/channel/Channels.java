package dev.crier.node.channel;

import dev.crier.node.cluster.ShardedTopicOwners;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.cluster.sharding.typed.HashCodeMessageExtractor;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.sharding.typed.javadsl.Entity;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityRef;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityTypeKey;

/**
 * The cluster's channels, as Cluster Sharding entities (one {@link Channel} per channel id, on
 * whichever node sharding places it), and the asks the routes make of them.
 */
public final class Channels {
  public static final EntityTypeKey<Channel.Command> TYPE_KEY =
      EntityTypeKey.create(Channel.Command.class, "channel");

  /** Beyond the channel's own wait, what a cross-node answer may take. */
  private static final Duration MARGIN = Duration.ofSeconds(5);

  private final ClusterSharding sharding;
  private final ChannelSettings settings;
  private final ChannelCounters counters;

  private Channels(ClusterSharding sharding, ChannelSettings settings, ChannelCounters counters) {
    this.sharding = sharding;
    this.settings = settings;
    this.counters = counters;
  }

  /** Starts this node's part of the sharded channels. */
  public static Channels init(ActorSystem<?> system, ChannelSettings settings, Clock clock) {
    ClusterSharding sharding = ClusterSharding.get(system);
    ChannelCounters counters = new ChannelCounters();
    sharding.init(
        Entity.of(
                TYPE_KEY,
                entity ->
                    Channel.create(
                        entity.getEntityId(),
                        settings,
                        counters,
                        clock,
                        new Channel.Moves() {
                          @Override
                          public void passivate(ActorRef<Channel.Command> channel) {
                            entity.getShard().tell(new ClusterSharding.Passivate<>(channel));
                          }

                          @Override
                          public boolean successorUp() {
                            return ShardedTopicOwners.othersUp(system);
                          }

                          @Override
                          public void wake(String channelId) {
                            sharding.entityRefFor(TYPE_KEY, channelId).tell(new Channel.Wake());
                          }
                        }))
            .withStopMessage(new Channel.HandOff())
            .withMessageExtractor(new HashCodeMessageExtractor<>(settings.shards())));
    return new Channels(sharding, settings, counters);
  }

  public ChannelSettings settings() {
    return settings;
  }

  public ChannelCounters counters() {
    return counters;
  }

  /** Creates a channel; completes with its addresses once it is stored. */
  public CompletionStage<ChannelAddress.Minted> create() {
    ChannelAddress.Minted minted = ChannelAddress.mint();
    return channel(minted.channelId())
        .<Channel.Created>ask(
            replyTo ->
                new Channel.Create(minted.producerDigest(), minted.consumerDigest(), replyTo),
            MARGIN)
        .thenApply(
            created -> {
              if (!created.created()) {
                throw new IllegalStateException("a fresh random channel id was taken");
              }
              return minted;
            });
  }

  public CompletionStage<Channel.WriteOutcome> write(
      ChannelAddress producer, String streamId, String body, String idempotencyKey) {
    return channel(producer.channelId())
        .ask(
            replyTo -> new Channel.Write(producer, streamId, body, idempotencyKey, replyTo),
            settings.writeTimeout().plus(MARGIN));
  }

  public CompletionStage<Channel.ReadOutcome> read(
      ChannelAddress consumer, long readerId, long after, boolean resume) {
    return channel(consumer.channelId())
        .ask(
            replyTo -> new Channel.Read(consumer, readerId, after, resume, replyTo),
            settings.heartbeat().plus(MARGIN));
  }

  public void leave(ChannelAddress consumer, long readerId) {
    channel(consumer.channelId()).tell(new Channel.Leave(consumer, readerId));
  }

  public CompletionStage<Channel.Deleted> delete(ChannelAddress producer) {
    return channel(producer.channelId())
        .ask(replyTo -> new Channel.Delete(producer, replyTo), MARGIN);
  }

  private EntityRef<Channel.Command> channel(String id) {
    return sharding.entityRefFor(TYPE_KEY, id);
  }
}
