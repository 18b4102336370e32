package dev.crier.node.bridge;

import dev.crier.node.Refusal;
import dev.crier.node.publish.Publisher;
import dev.crier.node.topic.TopicEvent;
import dev.crier.node.topic.TopicHubs;
import dev.crier.node.topic.TopicOwner;
import dev.crier.protocol.envelope.BridgeMessage;
import dev.crier.protocol.envelope.EnvelopeException;
import dev.crier.protocol.envelope.EventEnvelope;
import dev.crier.protocol.envelope.Hello;
import dev.crier.protocol.envelope.PushedEvent;
import dev.crier.protocol.sp.SpHeader;
import dev.crier.protocol.sp.SpProtocol;
import dev.crier.protocol.sp.SpProtocolException;
import dev.crier.protocol.topic.InvalidTopicException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeoutException;
import org.apache.pekko.Done;
import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.cluster.Member;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.stream.javadsl.Flow;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.util.ByteString;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a connection to the bridge listener becomes, chosen by the SP protocol its dialer announces:
 * bus0 is another Crier node's link (it must first say {@link Hello} as a cluster member), push0 is
 * an ingest peer (answered as pull0), sub0 a tap subscriber (answered as pub0). Anything else, and
 * any protocol error, closes the connection and is counted by reason.
 */
final class InboundConnections {
  private static final Logger LOG = LoggerFactory.getLogger(InboundConnections.class);

  /** A connection closed on purpose; {@code reason} is the counter's label. */
  static final class PeerRefusal extends RuntimeException {
    final String reason;

    PeerRefusal(String reason, String message) {
      super(message, null, false, false);
      this.reason = reason;
    }
  }

  /** Where inbound traffic goes: the hubs (events from nodes) and the publisher (pushed events). */
  record Wiring(ActorRef<TopicHubs.Command> hubs, Publisher publisher) {}

  private final BridgeSettings settings;
  private final BridgeCounters counters;
  private final ActorRef<TopicHubs.Command> hubs;
  private final Publisher publisher;
  private final Cluster cluster;
  private final Source<ByteString, NotUsed> tap;

  /**
   * @param tap every tap frame, or null when the tap is off
   */
  InboundConnections(
      BridgeSettings settings,
      BridgeCounters counters,
      Wiring wiring,
      Cluster cluster,
      Source<ByteString, NotUsed> tap) {
    this.settings = settings;
    this.counters = counters;
    this.hubs = wiring.hubs();
    this.publisher = wiring.publisher();
    this.cluster = cluster;
    this.tap = tap;
  }

  /** The flow that serves one accepted connection from {@code remote}. */
  Flow<ByteString, ByteString, NotUsed> serve(InetSocketAddress remote) {
    return SpStreams.headerFirst()
        .initialTimeout(settings.handshakeTimeout())
        .flatMapPrefix(
            1, header -> role(SpHeader.decode(header.get(0).toArray()), remote.getAddress()))
        .watchTermination(
            (notUsed, done) -> {
              done.whenComplete((ok, failure) -> ended(remote, failure));
              return notUsed;
            });
  }

  private void ended(InetSocketAddress remote, Throwable failure) {
    if (failure == null) {
      return;
    }
    String reason;
    if (failure instanceof PeerRefusal r) {
      reason = r.reason;
    } else if (failure instanceof SpProtocolException e) {
      reason = e.reason().name().toLowerCase();
    } else if (failure instanceof EnvelopeException) {
      reason = "bad_envelope";
    } else if (failure instanceof TimeoutException) {
      reason = "handshake_timeout";
    } else {
      return;
    }
    counters.refused(reason);
    // A peer's misbehaviour is its own fault, not the node's: counted, and logged only at DEBUG.
    LOG.debug(
        "bridge closed the connection from [{}] ({}): {}", remote, reason, failure.getMessage());
  }

  private Flow<ByteString, ByteString, NotUsed> role(SpProtocol peer, InetAddress remote) {
    return switch (peer) {
      case BUS0 -> nodeLink(remote);
      case PUSH0 -> {
        if (!settings.ingestEnabled() || !BridgeSettings.allowed(settings.ingestAllow(), remote)) {
          throw new PeerRefusal("ingest_not_allowed", "push0 from " + remote + " is not allowed");
        }
        yield ingest();
      }
      case SUB0 -> {
        if (tap == null || !BridgeSettings.allowed(settings.tapAllow(), remote)) {
          throw new PeerRefusal("tap_not_allowed", "sub0 from " + remote + " is not allowed");
        }
        yield tap();
      }
      default ->
          throw new PeerRefusal(
              "unsupported_protocol",
              peer.wireName() + " is not served here (bus0, push0 and sub0 are)");
    };
  }

  /** Another node's link: a Hello, then events for this node's hubs, in the order sent. */
  private Flow<ByteString, ByteString, NotUsed> nodeLink(InetAddress remote) {
    return Flow.<ByteString>create()
        .via(SpStreams.messages(settings.maxMessageBytes()))
        .<ByteString>statefulMapConcat(
            () -> {
              boolean[] greeted = {false};
              return message -> {
                counters.inboundFrames.increment();
                counters.inboundBytes.add(message.length);
                BridgeMessage m = BridgeMessage.decode(message);
                if (!greeted[0]) {
                  if (!(m instanceof Hello hello) || !isMember(hello, remote)) {
                    throw new PeerRefusal(
                        "not_a_member", "a bus0 link did not start with a cluster member's Hello");
                  }
                  greeted[0] = true;
                } else if (m instanceof EventEnvelope e) {
                  hubs.tell(
                      new TopicHubs.Deliver(
                          new TopicEvent(
                              e.topic(), e.position(), e.type(), e.data(), e.publishedAtMillis())));
                }
                return List.of();
              };
            })
        .prepend(Source.single(SpStreams.header(SpProtocol.BUS0)));
  }

  private boolean isMember(Hello hello, InetAddress remote) {
    for (Member member : cluster.state().getMembers()) {
      if (member.status() != MemberStatus.up() && member.status() != MemberStatus.weaklyUp()) {
        continue;
      }
      if (member.address().toString().equals(hello.clusterAddress())) {
        return member.address().getHost().map(host -> resolvesTo(host, remote)).orElse(false);
      }
    }
    return false;
  }

  private static boolean resolvesTo(String host, InetAddress remote) {
    try {
      for (InetAddress address : InetAddress.getAllByName(host)) {
        if (address.equals(remote)) {
          return true;
        }
      }
    } catch (UnknownHostException e) {
      return false;
    }
    return false;
  }

  /** An NNG push0 peer: each message is published like an HTTP publish, in order per topic. */
  private Flow<ByteString, ByteString, NotUsed> ingest() {
    return Flow.<ByteString>create()
        .via(SpStreams.messages(settings.maxMessageBytes()))
        .mapAsync(settings.ingestParallelism(), this::publishPushed)
        .<ByteString>mapConcat(done -> List.of())
        .prepend(Source.single(SpStreams.header(SpProtocol.PULL0)));
  }

  private CompletionStage<Done> publishPushed(byte[] message) {
    PushedEvent pushed;
    try {
      pushed = PushedEvent.parse(message);
    } catch (EnvelopeException | InvalidTopicException e) {
      return rejected("invalid", e.getMessage());
    }
    Publisher.Event event =
        new Publisher.Event(pushed.topic(), new TopicOwner.Draft(null, pushed.data(), null));
    return publisher
        .publish(Publisher.BRIDGE, List.of(event))
        .handle(
            (outcome, failure) -> {
              if (failure != null) {
                lost(pushed.topic(), failure.toString());
              } else if (outcome instanceof Publisher.Outcome.Refused refused) {
                Refusal refusal = refused.refusal();
                switch (refusal.kind()) {
                  case OUTCOME_UNKNOWN -> lost(pushed.topic(), refusal.message());
                  case TOO_LARGE -> rejected("too_large", refusal.message());
                  default -> counters.ingestRejected("refused");
                }
              } else {
                counters.ingestAccepted.increment();
              }
              return Done.getInstance();
            });
  }

  /** The owner did not answer: the event may be lost, and no one can tell its publisher. */
  private void lost(String topic, String why) {
    counters.ingestRejected("owner_unavailable");
    LOG.warn("pushed event for [{}] lost: {}", topic, why);
  }

  private CompletionStage<Done> rejected(String reason, String message) {
    counters.ingestRejected(reason);
    LOG.debug("pushed event rejected ({}): {}", reason, message);
    return CompletableFuture.completedFuture(Done.getInstance());
  }

  /**
   * A sub0 peer: every tap frame, behind a buffer that drops its oldest when the peer is slow. A
   * sub0 peer never sends; one that does is closed, as libnng's pub0 does.
   */
  private Flow<ByteString, ByteString, NotUsed> tap() {
    int buffer = settings.tapBuffer();
    Source<ByteString, NotUsed> frames =
        tap.batch(
                Long.MAX_VALUE,
                first -> {
                  ArrayDeque<ByteString> held = new ArrayDeque<>();
                  held.add(first);
                  return held;
                },
                (held, next) -> {
                  if (held.size() >= buffer) {
                    held.poll();
                    counters.tapDrops.increment();
                  }
                  held.add(next);
                  return held;
                })
            .mapConcat(held -> held)
            .prepend(Source.single(SpStreams.header(SpProtocol.PUB0)))
            .watchTermination(
                (notUsed, done) -> {
                  counters.tapSubscribers.incrementAndGet();
                  done.whenComplete((ok, failure) -> counters.tapSubscribers.decrementAndGet());
                  return notUsed;
                });
    Sink<ByteString, NotUsed> silence =
        Flow.<ByteString>create()
            .via(SpStreams.messages(settings.maxMessageBytes()))
            .<Done>map(
                message -> {
                  throw new PeerRefusal("sub_sent_data", "a sub0 peer sent a message");
                })
            .to(Sink.ignore());
    return Flow.fromSinkAndSourceCoupled(silence, frames);
  }
}
