package dev.crier.node.auth;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.cluster.ddata.Key;
import org.apache.pekko.cluster.ddata.LWWMap;
import org.apache.pekko.cluster.ddata.LWWMapKey;
import org.apache.pekko.cluster.ddata.SelfUniqueAddress;
import org.apache.pekko.cluster.ddata.typed.javadsl.DistributedData;
import org.apache.pekko.cluster.ddata.typed.javadsl.Replicator;
import org.apache.pekko.cluster.ddata.typed.javadsl.ReplicatorMessageAdapter;

/**
 * Keeps the cluster-wide set of revoked token ids in Distributed Data (one {@link LWWMap}: jti →
 * the token's expiry, epoch ms) and mirrors it into this node's {@link RevokedTokens}. A revocation
 * is written to a majority of nodes, so every node refuses the token within a notification
 * interval; ids whose token has expired beyond the verifiers' leeway are pruned, since such a token
 * is refused anyway (within the leeway an expired token is still accepted, so its id must stay).
 */
public final class Revocations extends AbstractBehavior<Revocations.Command> {

  /** What the revocation keeper understands. */
  public sealed interface Command {}

  /** Refuse the token with this id until it expires. */
  public record Revoke(String tokenId, Instant expiresAt, ActorRef<Revoked> replyTo)
      implements Command {}

  /**
   * The answer to {@link Revoke}.
   *
   * @param replicated whether a majority of nodes holds it already (else it spreads by gossip)
   */
  public record Revoked(String tokenId, Instant expiresAt, boolean replicated) {}

  private sealed interface Internal extends Command {}

  private record Changed(Replicator.SubscribeResponse<LWWMap<String, Long>> response)
      implements Internal {}

  private record Written(Replicator.UpdateResponse<LWWMap<String, Long>> response, Revoke request)
      implements Internal {}

  private record Pruned(Replicator.UpdateResponse<LWWMap<String, Long>> response)
      implements Internal {}

  private enum Prune implements Internal {
    INSTANCE
  }

  private static final Key<LWWMap<String, Long>> KEY = LWWMapKey.create("crier-revoked-tokens");

  /**
   * The keeper of revocations, pruning every {@code pruneInterval}.
   *
   * @param leeway how long past its expiry a token is still accepted ({@code
   *     crier.auth.jwt.leeway}), so how long its revoked id must outlive that expiry
   */
  public static Behavior<Command> create(
      RevokedTokens view,
      Duration writeTimeout,
      Duration pruneInterval,
      Duration leeway,
      Clock clock) {
    return Behaviors.setup(
        context ->
            Behaviors.withTimers(
                timers -> {
                  timers.startTimerWithFixedDelay(Prune.INSTANCE, pruneInterval);
                  return DistributedData
                      .<Command, LWWMap<String, Long>>withReplicatorMessageAdapter(
                          replicator ->
                              new Revocations(
                                  context, replicator, view, writeTimeout, leeway, clock));
                }));
  }

  private final ReplicatorMessageAdapter<Command, LWWMap<String, Long>> replicator;
  private final RevokedTokens view;
  private final Duration writeTimeout;
  private final Duration leeway;
  private final Clock clock;
  private final SelfUniqueAddress self;
  private Map<String, Long> current = Map.of();

  private Revocations(
      ActorContext<Command> context,
      ReplicatorMessageAdapter<Command, LWWMap<String, Long>> replicator,
      RevokedTokens view,
      Duration writeTimeout,
      Duration leeway,
      Clock clock) {
    super(context);
    this.replicator = replicator;
    this.view = view;
    this.writeTimeout = writeTimeout;
    this.leeway = leeway;
    this.clock = clock;
    this.self = DistributedData.get(context.getSystem()).selfUniqueAddress();
    replicator.subscribe(KEY, Changed::new);
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(Revoke.class, this::onRevoke)
        .onMessage(Written.class, this::onWritten)
        .onMessage(Changed.class, this::onChanged)
        .onMessage(Prune.class, p -> onPrune())
        .onMessage(Pruned.class, p -> this)
        .build();
  }

  private Behavior<Command> onRevoke(Revoke revoke) {
    long expiresAt = revoke.expiresAt().toEpochMilli();
    replicator.askUpdate(
        replyTo ->
            new Replicator.Update<>(
                KEY,
                LWWMap.create(),
                new Replicator.WriteMajority(writeTimeout),
                replyTo,
                map -> map.put(self, revoke.tokenId(), expiresAt)),
        response -> new Written(response, revoke));
    // Refused here at once, not only when the replicator's change notification comes round.
    Map<String, Long> next = new HashMap<>(current);
    next.put(revoke.tokenId(), expiresAt);
    publish(next);
    return this;
  }

  private Behavior<Command> onWritten(Written written) {
    Revoke request = written.request();
    boolean replicated = written.response() instanceof Replicator.UpdateSuccess;
    if (!replicated) {
      getContext()
          .getLog()
          .warn(
              "revocation of token [{}] is held locally but not yet by a majority: {}",
              request.tokenId(),
              written.response());
    }
    request.replyTo().tell(new Revoked(request.tokenId(), request.expiresAt(), replicated));
    return this;
  }

  private Behavior<Command> onChanged(Changed changed) {
    if (changed.response() instanceof Replicator.Changed<LWWMap<String, Long>> c) {
      publish(c.dataValue().getEntries());
    }
    return this;
  }

  private Behavior<Command> onPrune() {
    long acceptedUntil = clock.millis() - leeway.toMillis();
    for (Map.Entry<String, Long> entry : current.entrySet()) {
      if (entry.getValue() < acceptedUntil) {
        String tokenId = entry.getKey();
        replicator.askUpdate(
            replyTo ->
                new Replicator.Update<>(
                    KEY,
                    LWWMap.create(),
                    Replicator.writeLocal(),
                    replyTo,
                    map -> map.remove(self, tokenId)),
            Pruned::new);
      }
    }
    return this;
  }

  private void publish(Map<String, Long> next) {
    current = Map.copyOf(next);
    view.replace(current);
  }
}
