package dev.crier.node.bridge;

import dev.crier.node.cluster.NodeInfo;
import dev.crier.node.publish.Publisher;
import dev.crier.node.topic.TopicHubs;
import dev.crier.protocol.envelope.Hello;
import dev.crier.protocol.sp.SpFrameEncoder;
import dev.crier.protocol.sp.SpHeader;
import dev.crier.protocol.sp.SpProtocol;
import java.net.InetSocketAddress;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.Address;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.cluster.ClusterEvent;
import org.apache.pekko.cluster.Member;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Subscribe;
import org.apache.pekko.japi.Pair;
import org.apache.pekko.stream.BoundedSourceQueue;
import org.apache.pekko.stream.KillSwitches;
import org.apache.pekko.stream.Materializer;
import org.apache.pekko.stream.RestartSettings;
import org.apache.pekko.stream.UniqueKillSwitch;
import org.apache.pekko.stream.javadsl.BroadcastHub;
import org.apache.pekko.stream.javadsl.Flow;
import org.apache.pekko.stream.javadsl.Keep;
import org.apache.pekko.stream.javadsl.RestartFlow;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.stream.javadsl.Tcp;
import org.apache.pekko.util.ByteString;

/**
 * Owns this node's SP links: the listener (other nodes' links, NNG ingest and tap peers, see {@link
 * InboundConnections}) and one outbound bus0 link to every other Up member whose bridge endpoint is
 * in the node directory. Each link is a bounded queue in front of a TCP connection that is dialled
 * again with backoff whenever it fails; the queues are handed to the {@link BridgeTransport}. The
 * links follow the cluster: they are looked at again whenever a member's status changes or the node
 * directory does (a node's bridge endpoint appears or moves), not on a timer.
 */
public final class Bridge extends AbstractBehavior<Bridge.Command> {

  /** What the bridge understands. */
  public sealed interface Command {}

  /** Every node's latest entry in the node directory, keyed by cluster address. */
  public record DirectoryChanged(Map<String, NodeInfo> nodes) implements Command {}

  private record MembersChanged(ClusterEvent.MemberEvent event) implements Command {}

  private record Bound(Tcp.ServerBinding binding) implements Command {}

  private record BindFailed(Throwable cause) implements Command {}

  private record Link(
      String endpoint, BoundedSourceQueue<ByteString> queue, UniqueKillSwitch killSwitch) {}

  /**
   * @param nodeId this node's name, told to peers in the Hello of each link
   * @param hubs this node's hub directory, where events from other nodes go
   * @param publisher what publishes the events pushed in by NNG peers
   * @param bound completed with the address other nodes dial (the remoting host unless an interface
   *     is configured) once bound
   */
  public static Behavior<Command> create(
      BridgeSettings settings,
      String nodeId,
      BridgeTransport transport,
      BridgeCounters counters,
      ActorRef<TopicHubs.Command> hubs,
      Publisher publisher,
      CompletableFuture<InetSocketAddress> bound) {
    return Behaviors.setup(
        context -> {
          Cluster.get(context.getSystem())
              .subscriptions()
              .tell(
                  Subscribe.create(
                      context.messageAdapter(ClusterEvent.MemberEvent.class, MembersChanged::new),
                      ClusterEvent.MemberEvent.class));
          InboundConnections.Wiring wiring = new InboundConnections.Wiring(hubs, publisher);
          return new Bridge(context, settings, nodeId, transport, counters, wiring, bound);
        });
  }

  private final BridgeSettings settings;
  private final String nodeId;
  private final BridgeTransport transport;
  private final BridgeCounters counters;
  private Map<String, NodeInfo> directory = Map.of();
  private final CompletableFuture<InetSocketAddress> bound;
  private final Materializer materializer;
  private final Cluster cluster;
  private final String advertisedHost;
  private final Map<Address, Link> links = new HashMap<>();
  private Tcp.ServerBinding binding;

  private Bridge(
      ActorContext<Command> context,
      BridgeSettings settings,
      String nodeId,
      BridgeTransport transport,
      BridgeCounters counters,
      InboundConnections.Wiring wiring,
      CompletableFuture<InetSocketAddress> bound) {
    super(context);
    this.settings = settings;
    this.nodeId = nodeId;
    this.transport = transport;
    this.counters = counters;
    this.bound = bound;
    this.materializer = Materializer.createMaterializer(context);
    this.cluster = Cluster.get(context.getSystem());
    this.advertisedHost =
        settings.bindInterface().isEmpty() || isWildcard(settings.bindInterface())
            ? cluster.selfMember().address().getHost().orElse("127.0.0.1")
            : settings.bindInterface();
    Source<ByteString, NotUsed> tap = null;
    if (settings.tapEnabled()) {
      Pair<BoundedSourceQueue<ByteString>, Source<ByteString, NotUsed>> hub =
          Source.<ByteString>queue(settings.tapBuffer())
              .toMat(BroadcastHub.of(ByteString.class, 256), Keep.both())
              .run(materializer);
      transport.tap(hub.first());
      hub.second().runWith(Sink.ignore(), materializer);
      tap = hub.second();
    }
    InboundConnections inbound = new InboundConnections(settings, counters, wiring, cluster, tap);
    context.pipeToSelf(
        Tcp.get(context.getSystem())
            .bind(settings.bindHost(), settings.port(), 1024, List.of(), false, Optional.empty())
            .to(
                Sink.foreach(
                    connection ->
                        connection.handleWith(
                            inbound.serve(connection.remoteAddress()), materializer)))
            .run(materializer),
        (binding, failure) -> failure == null ? new Bound(binding) : new BindFailed(failure));
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(Bound.class, this::onBound)
        .onMessage(BindFailed.class, this::onBindFailed)
        .onMessage(DirectoryChanged.class, this::onDirectoryChanged)
        .onMessage(MembersChanged.class, changed -> refresh())
        .onSignal(PostStop.class, stop -> onStop())
        .build();
  }

  private Behavior<Command> onBound(Bound b) {
    binding = b.binding();
    bound.complete(
        InetSocketAddress.createUnresolved(advertisedHost, binding.localAddress().getPort()));
    return this;
  }

  private Behavior<Command> onBindFailed(BindFailed failed) {
    bound.completeExceptionally(
        new IllegalStateException(
            "bridge could not listen on " + settings.bindHost() + ":" + settings.port(),
            failed.cause()));
    return Behaviors.stopped();
  }

  private Behavior<Command> onDirectoryChanged(DirectoryChanged changed) {
    directory = changed.nodes();
    return refresh();
  }

  /** Dials members that have appeared, drops links to members that are gone or moved. */
  private Behavior<Command> refresh() {
    Map<String, NodeInfo> infos = directory;
    Address self = cluster.selfMember().address();
    Set<Address> wanted = new HashSet<>();
    for (Member member : cluster.state().getMembers()) {
      Address address = member.address();
      NodeInfo info = infos.get(address.toString());
      boolean up =
          member.status() == MemberStatus.up() || member.status() == MemberStatus.weaklyUp();
      if (address.equals(self) || !up || info == null || info.bridge().isEmpty()) {
        continue;
      }
      wanted.add(address);
      Link link = links.get(address);
      if (link != null && !link.endpoint().equals(info.bridge())) {
        close(address);
        link = null;
      }
      if (link == null) {
        open(address, info.bridge());
      }
    }
    for (Address address : new HashSet<>(links.keySet())) {
      if (!wanted.contains(address)) {
        close(address);
      }
    }
    return this;
  }

  private void open(Address peer, String endpoint) {
    int colon = endpoint.lastIndexOf(':');
    InetSocketAddress remote =
        InetSocketAddress.createUnresolved(
            endpoint.substring(0, colon), Integer.parseInt(endpoint.substring(colon + 1)));
    BridgeCounters.Peer counted = counters.peer(peer.toString());
    AtomicBoolean dialled = new AtomicBoolean();
    Pair<BoundedSourceQueue<ByteString>, UniqueKillSwitch> link =
        Source.<ByteString>queue(settings.sendQueue())
            .viaMat(KillSwitches.single(), Keep.both())
            .via(
                RestartFlow.withBackoff(
                    RestartSettings.create(
                        settings.reconnectMinBackoff(), settings.reconnectMaxBackoff(), 0.2),
                    () -> {
                      if (dialled.getAndSet(true)) {
                        counted.reconnects.increment();
                      }
                      return connection(remote, counted);
                    }))
            .to(Sink.ignore())
            .run(materializer);
    links.put(peer, new Link(endpoint, link.first(), link.second()));
    transport.link(peer, link.first());
    getContext().getLog().debug("bridge link to [{}] at {}", peer, endpoint);
  }

  /** One TCP connection of a link: bus0 header and Hello, then frames, batched while it is busy. */
  private Flow<ByteString, ByteString, NotUsed> connection(
      InetSocketAddress remote, BridgeCounters.Peer counted) {
    Address self = cluster.selfMember().address();
    byte[] hello = new Hello(nodeId, self.toString()).encode();
    ByteString greeting =
        SpStreams.header(SpProtocol.BUS0)
            .concat(ByteString.fromArrayUnsafe(SpFrameEncoder.frame(hello)));
    InetSocketAddress resolved = new InetSocketAddress(remote.getHostString(), remote.getPort());
    return Flow.<ByteString>create()
        .map(
            frame -> {
              counted.frames.increment();
              counted.bytes.add(frame.size());
              return frame;
            })
        .batchWeighted(64 * 1024, frame -> (long) frame.size(), frame -> frame, ByteString::concat)
        .prepend(Source.single(greeting))
        .via(
            Tcp.get(getContext().getSystem())
                .outgoingConnection(
                    resolved,
                    Optional.empty(),
                    List.of(),
                    true,
                    Optional.of(settings.handshakeTimeout()),
                    Optional.empty()))
        .via(SpStreams.headerFirst())
        .initialTimeout(settings.handshakeTimeout())
        .<ByteString>statefulMapConcat(
            () -> {
              boolean[] checked = {false};
              return bytes -> {
                if (!checked[0]) {
                  SpHeader.expectPeer(bytes.toArray(), SpProtocol.BUS0);
                  checked[0] = true;
                }
                return List.of();
              };
            });
  }

  private void close(Address peer) {
    Link link = links.remove(peer);
    if (link != null) {
      transport.unlink(peer);
      link.killSwitch().shutdown();
      getContext().getLog().debug("bridge link to [{}] closed", peer);
    }
  }

  private static boolean isWildcard(String host) {
    return host.equals("0.0.0.0") || host.equals("::") || host.equals("[::]");
  }

  private Behavior<Command> onStop() {
    new HashSet<>(links.keySet()).forEach(this::close);
    if (binding != null) {
      binding.unbind();
    }
    return this;
  }
}
