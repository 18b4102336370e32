package dev.crier.node.bridge;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.typesafe.config.Config;
import dev.crier.node.cluster.NodeInfo;
import dev.crier.node.limits.LimitSettings;
import dev.crier.node.limits.Limits;
import dev.crier.node.publish.PublishSettings;
import dev.crier.node.publish.Publisher;
import dev.crier.node.support.Await;
import dev.crier.node.support.TestNode;
import dev.crier.node.topic.EventTransport;
import dev.crier.node.topic.EventTransportContract;
import dev.crier.node.topic.TopicEvent;
import dev.crier.node.topic.TopicHubs;
import dev.crier.node.topic.TopicOwner;
import dev.crier.node.topic.TopicOwners;
import dev.crier.protocol.cursor.Position;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorRefResolver;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Join;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The bridge keeps the transport contract: two clustered actor systems, each with its bridge, the
 * transport of the first delivering to its own hub directory (a direct message) and to the second's
 * (SP frames over the bridge link, once the link is up).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class BridgeTransportContractTest extends EventTransportContract {
  private static final Duration WAIT = Duration.ofSeconds(30);

  /** The bridges publish nothing pushed in here. */
  private static final TopicOwners NO_OWNERS =
      new TopicOwners() {
        @Override
        public void tell(String topic, TopicOwner.Command command) {
          throw new UnsupportedOperationException("nothing is pushed into this test's bridges");
        }

        @Override
        public <R> CompletionStage<R> ask(
            String topic, Function<ActorRef<R>, TopicOwner.Command> command, Duration timeout) {
          throw new UnsupportedOperationException("nothing is pushed into this test's bridges");
        }
      };

  private ActorSystem<Void> first;
  private ActorSystem<Void> second;
  private BridgeTransport transport;
  private List<TestProbe<TopicHubs.Command>> nodes;
  private List<ActorRef<TopicHubs.Command>> refs;
  private BridgeCounters.Peer link;

  private record Side(
      ActorSystem<Void> system,
      BridgeTransport transport,
      BridgeCounters counters,
      TestProbe<TopicHubs.Command> hubs,
      ActorRef<Bridge.Command> bridge,
      InetSocketAddress endpoint) {

    NodeInfo info() {
      return new NodeInfo(
          system.address().toString(),
          system.address().toString(),
          endpoint.getHostString() + ":" + endpoint.getPort(),
          0,
          0);
    }
  }

  private static Side side(ActorSystem<Void> system, Config config) throws Exception {
    BridgeCounters counters = new BridgeCounters();
    BridgeTransport transport = new BridgeTransport(counters);
    TestProbe<TopicHubs.Command> hubs = TestProbe.create(system);
    CompletableFuture<InetSocketAddress> bound = new CompletableFuture<>();
    Publisher publisher =
        new Publisher(
            PublishSettings.create(config),
            new Limits(LimitSettings.create(config)),
            NO_OWNERS,
            Clock.systemUTC());
    ActorRef<Bridge.Command> bridge =
        system.systemActorOf(
            Bridge.create(
                BridgeSettings.create(config),
                system.address().toString(),
                transport,
                counters,
                hubs.ref(),
                publisher,
                bound),
            "bridge",
            org.apache.pekko.actor.typed.Props.empty());
    return new Side(system, transport, counters, hubs, bridge, bound.get(10, TimeUnit.SECONDS));
  }

  @BeforeAll
  void start() throws Exception {
    Config config = TestNode.config("pekko.cluster.jmx.multi-mbeans-in-same-jvm = on\n");
    first = ActorSystem.create(Behaviors.empty(), "crier", config);
    second = ActorSystem.create(Behaviors.empty(), "crier", config);
    Cluster.get(first).manager().tell(Join.create(first.address()));
    Cluster.get(second).manager().tell(Join.create(first.address()));
    Await.until(
        WAIT,
        () -> upMembers(first) == 2 && upMembers(second) == 2,
        () -> "the two systems did not form a cluster");
    Side a = side(first, config);
    Side b = side(second, config);
    Map<String, NodeInfo> directory =
        Map.of(a.info().address(), a.info(), b.info().address(), b.info());
    a.bridge().tell(new Bridge.DirectoryChanged(directory));
    b.bridge().tell(new Bridge.DirectoryChanged(directory));
    transport = a.transport();
    nodes = List.of(a.hubs(), b.hubs());
    // As the first system sees the second's hub directory: a remote ref, as an owner gets it.
    ActorRef<TopicHubs.Command> remote =
        ActorRefResolver.get(first)
            .resolveActorRef(ActorRefResolver.get(second).toSerializationFormat(b.hubs().ref()));
    refs = List.of(a.hubs().ref(), remote);
    link = a.counters().peer(second.address().toString());
    // Until the link is up, events go over Artery; the contract holds once the route is settled.
    TopicEvent probe = new TopicEvent("contract/warm-up", new Position(1, 1), null, "warm-up", 0);
    Await.until(
        WAIT,
        () -> {
          // One warm-up event per poll, until one has gone over the link.
          transport.deliver(probe, List.of(remote));
          return link.frames() > 0;
        },
        () -> "the bridge link did not come up");
    // The warm-up events are not the contract's: take them until none comes for a while.
    while (true) {
      try {
        b.hubs().receiveMessage(Duration.ofMillis(300));
      } catch (AssertionError quiet) {
        break;
      }
    }
  }

  /** The contract above is the bridge's, not Artery's: events to the other node take the link. */
  @Test
  void eventsToTheOtherNodeTakeTheLink() {
    long frames = link.frames();
    long viaArtery = link.viaArtery();
    for (long seq = 1; seq <= 10; seq++) {
      transport.deliver(
          new TopicEvent("contract/linked", new Position(1, seq), null, "e", 0), refs);
    }
    for (TestProbe<TopicHubs.Command> node : nodes) {
      for (int i = 0; i < 10; i++) {
        node.expectMessageClass(TopicHubs.Deliver.class, WAIT);
      }
    }
    assertEquals(frames + 10, link.frames());
    assertEquals(viaArtery, link.viaArtery());
  }

  private static long upMembers(ActorSystem<Void> system) {
    long up = 0;
    for (org.apache.pekko.cluster.Member m : Cluster.get(system).state().getMembers()) {
      if (m.status() == MemberStatus.up()) {
        up++;
      }
    }
    return up;
  }

  @AfterAll
  void stop() {
    second.terminate();
    first.terminate();
  }

  @Override
  protected EventTransport transport() {
    return transport;
  }

  @Override
  protected List<TestProbe<TopicHubs.Command>> nodes() {
    return nodes;
  }

  @Override
  protected List<ActorRef<TopicHubs.Command>> refs() {
    return refs;
  }
}
