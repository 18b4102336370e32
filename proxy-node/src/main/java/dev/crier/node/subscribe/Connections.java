package dev.crier.node.subscribe;

import dev.crier.node.Refusal;
import dev.crier.node.auth.Grants;
import dev.crier.node.limits.Limits;
import dev.crier.node.management.NodeLifecycle;
import dev.crier.node.topic.FeedItem;
import dev.crier.node.topic.SlowConsumerException;
import dev.crier.node.topic.TopicHub;
import dev.crier.node.topic.TopicHubs;
import dev.crier.protocol.cursor.CursorCodec;
import dev.crier.protocol.cursor.Position;
import dev.crier.protocol.sse.SseEncoder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.apache.pekko.Done;
import org.apache.pekko.actor.Scheduler;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.util.ByteString;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import scala.concurrent.ExecutionContext;

/**
 * The node's open subscriber connections, SSE streams and WebSockets alike: admits them under the
 * node's and the clients' connection limits, registers their subscriptions with the topics' hubs,
 * counts them and why they ended, sends every idle SSE stream its heartbeat from one node-wide
 * tick, ends the connections of revoked tokens, and drains them all when the node goes away.
 */
public final class Connections {
  private static final Logger log = LoggerFactory.getLogger(Connections.class);
  private static final Duration DRAIN_TICK = Duration.ofMillis(100);

  private final SubscribeSettings settings;
  private final Duration syncTimeout;
  private final ActorRef<TopicHubs.Command> hubs;
  private final NodeLifecycle lifecycle;
  private final Limits limits;
  private final ByteString retryFrame;
  private final AtomicLong ids = new AtomicLong();
  private final AtomicInteger open = new AtomicInteger();
  private final Map<Transport, AtomicInteger> openBy = new EnumMap<>(Transport.class);
  private final Map<Transport, LongAdder> opened = new EnumMap<>(Transport.class);
  private final Map<Long, OpenStream> streams = new ConcurrentHashMap<>();
  private final Map<Transport, Map<DisconnectReason, LongAdder>> disconnects =
      new EnumMap<>(Transport.class);
  private final Map<String, LongAdder> refused = new ConcurrentHashMap<>();

  /**
   * What became of a connection: an SSE subscription's stream, caught up; a WebSocket's id; or why
   * it was refused.
   */
  public sealed interface Opened {
    record Stream(SubscriberStream stream) implements Opened {}

    /** An admitted WebSocket, known to the node by this id. */
    record Socket(long id) implements Opened {}

    record Refused(Refusal refusal) implements Opened {}
  }

  /** How the node ends a connection from its side, whichever transport carries it. */
  public interface Ender {
    /** Ends it for this reason; false if it was ending already. */
    boolean end(DisconnectReason reason);
  }

  /**
   * An open connection, what it holds of the per-client limits, whose it is (its token's id, null
   * if none, so that revoking the token ends it; subject and address, so that a reconnect may
   * replace it), its subscription (its topics, none for a WebSocket that has not subscribed, and
   * the id the hubs know it by), and why the node ended it (null until it does).
   */
  private static final class OpenStream {
    final long id;
    final Transport transport;
    final SubscriberStream stream;
    final Ender ender;
    final Limits.Release release;
    final Grants grants;
    final String clientAddress;
    volatile List<String> topics;
    volatile long hubId;
    volatile DisconnectReason endedBy;

    OpenStream(
        long id,
        Transport transport,
        SubscriberStream stream,
        Ender ender,
        Limits.Release release,
        Grants grants,
        String clientAddress,
        List<String> topics) {
      this.id = id;
      this.transport = transport;
      this.stream = stream;
      this.ender = ender;
      this.release = release;
      this.grants = grants;
      this.clientAddress = clientAddress;
      this.topics = topics;
      this.hubId = id;
    }
  }

  /**
   * @param syncTimeout how long a new subscription may take to catch up before it is refused
   */
  public Connections(
      SubscribeSettings settings,
      Duration syncTimeout,
      ActorRef<TopicHubs.Command> hubs,
      NodeLifecycle lifecycle,
      Limits limits,
      Scheduler scheduler,
      ExecutionContext executor) {
    this.settings = settings;
    this.syncTimeout = syncTimeout;
    this.hubs = hubs;
    this.lifecycle = lifecycle;
    this.limits = limits;
    this.retryFrame = ByteString.fromArrayUnsafe(SseEncoder.retry(settings.retry().toMillis()));
    for (Transport transport : Transport.values()) {
      openBy.put(transport, new AtomicInteger());
      opened.put(transport, new LongAdder());
      Map<DisconnectReason, LongAdder> byReason = new EnumMap<>(DisconnectReason.class);
      for (DisconnectReason reason : DisconnectReason.values()) {
        byReason.put(reason, new LongAdder());
      }
      disconnects.put(transport, byReason);
    }
    // Ticking at half the interval and sending after three quarters of it keeps an idle stream's
    // comments one interval apart, and a stream that was written to within 0.75–1.25 of it.
    Duration tick = settings.heartbeat().dividedBy(2);
    long idleNanos = settings.heartbeat().toNanos() * 3 / 4;
    scheduler.scheduleWithFixedDelay(
        tick,
        tick,
        () -> {
          long now = System.nanoTime();
          for (OpenStream s : streams.values()) {
            if (s.stream != null) {
              s.stream.heartbeatTick(now, idleNanos);
            }
          }
        },
        executor);
  }

  /**
   * Admits a subscription (or throws the rejection saying why not), registers it with its topics'
   * hubs and completes with its stream once every topic has caught up, so that answering it means
   * every event published from then on will arrive. The stream ends as soon as {@code hangUp}
   * completes (its client closed the connection), answered or not.
   *
   * <p>A client gone without closing its connection (its network dropped) holds its places until a
   * write fails, which may take minutes. So a resume (a cursor) that a connection limit would
   * refuse first ends the oldest stream of the same subject for the same topics, from the same
   * address if the address is the limit, and takes its place.
   */
  public CompletableFuture<Opened> open(
      Grants grants,
      String clientAddress,
      CursorCodec codec,
      Position[] resume,
      int replay,
      CompletionStage<Done> hangUp) {
    if (lifecycle.phase() == NodeLifecycle.Phase.STARTING) {
      // A browser's EventSource takes any answer but 200 as final: one that reconnects into a
      // restart waits for the node (a moment) rather than being refused for good.
      return lifecycle
          .started()
          .orTimeout(syncTimeout.toMillis(), TimeUnit.MILLISECONDS)
          .handle((started, notYet) -> notYet)
          .thenCompose(
              notYet ->
                  notYet != null
                      ? CompletableFuture.completedFuture(
                          count(
                              Refusal.unavailable(
                                  "starting", "node is starting; try again in a moment", 1)))
                      : open(grants, clientAddress, codec, resume, replay, hangUp));
    }
    List<String> topics = codec.topics();
    if (lifecycle.serving() && resume != null) {
      makeRoomForResume(grants, clientAddress, topics);
    }
    Limits.Admission admitted = admit(grants.subject(), clientAddress);
    if (admitted instanceof Limits.Admission.Refused refused) {
      return CompletableFuture.completedFuture(new Opened.Refused(refused.refusal()));
    }
    long id = ids.incrementAndGet();
    SubscriberStream stream =
        new SubscriberStream(
            settings.bufferSize(),
            settings.bufferBytes(),
            settings.retry().toMillis(),
            retryFrame,
            codec,
            failure -> closed(id, failure));
    Ender ender = reason -> !stream.feed().isCompleted() && FeedItem.close(stream.feed(), null);
    register(
        new OpenStream(
            id,
            Transport.SSE,
            stream,
            ender,
            ((Limits.Admission.Admitted) admitted).release(),
            grants,
            clientAddress,
            topics));
    subscribeHubs(id, topics, stream.feed(), resume, replay);
    // After the hubs were told, so that a client gone already leaves them after it came.
    hangUp.thenRun(() -> hungUp(id));
    log.debug("subscriber [{}] connecting to {}", id, topics);
    return stream
        .feed()
        .subscribed()
        .copy()
        .orTimeout(syncTimeout.toMillis(), TimeUnit.MILLISECONDS)
        .handle(
            (ok, failure) -> {
              if (failure != null) {
                // Never materialized, the stream will not report its end: close it here.
                FeedItem.close(stream.feed(), null);
                closed(id, failure);
                return count(
                    Refusal.unavailable(
                        "owner_unavailable", "the topics' owners did not answer in time", 1));
              }
              return new Opened.Stream(stream);
            });
  }

  /**
   * Admits a WebSocket under the same limits as an SSE stream, known to the node from then on
   * (revocation and drain end it through {@code ender}); it subscribes later, and reports its end
   * with {@link #closed}.
   */
  public Opened admitSocket(Grants grants, String clientAddress, Ender ender) {
    Limits.Admission admitted = admit(grants.subject(), clientAddress);
    if (admitted instanceof Limits.Admission.Refused refused) {
      return new Opened.Refused(refused.refusal());
    }
    long id = ids.incrementAndGet();
    register(
        new OpenStream(
            id,
            Transport.WEBSOCKET,
            null,
            ender,
            ((Limits.Admission.Admitted) admitted).release(),
            grants,
            clientAddress,
            List.of()));
    return new Opened.Socket(id);
  }

  /**
   * Registers a WebSocket's subscription with its topics' hubs; completes once every topic has
   * caught up (the feed's {@link FeedQueue#subscribed}), or fails after the sync timeout.
   */
  public CompletableFuture<Void> subscribe(
      long socketId, CursorCodec codec, Position[] resume, int replay, FeedQueue feed) {
    OpenStream socket = streams.get(socketId);
    if (socket == null) {
      FeedItem.close(feed, null);
      return feed.subscribed();
    }
    long hubId = ids.incrementAndGet();
    socket.hubId = hubId;
    socket.topics = codec.topics();
    subscribeHubs(hubId, codec.topics(), feed, resume, replay);
    return feed.subscribed().copy().orTimeout(syncTimeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** Takes a WebSocket's subscription off its topics' hubs; the socket stays open. */
  public void unsubscribe(long socketId) {
    OpenStream socket = streams.get(socketId);
    if (socket != null) {
      List<String> topics = socket.topics;
      socket.topics = List.of();
      topics.forEach(t -> hubs.tell(new TopicHubs.Unsubscribe(t, socket.hubId)));
    }
  }

  /**
   * The node's own refusals (not serving, at capacity; counted here), then the per-client limits'
   * (counted by the limits under their own codes).
   */
  private Limits.Admission admit(String subject, String clientAddress) {
    if (lifecycle.phase() == NodeLifecycle.Phase.STARTING) {
      return refuse(Refusal.unavailable("starting", "node is starting; try again in a moment", 1));
    }
    if (!lifecycle.serving()) {
      return refuse(Refusal.unavailable("draining", "node is not serving; reconnect elsewhere", 1));
    }
    if (open.get() >= settings.maxConnections()) {
      return refuse(Refusal.unavailable("at_capacity", "node is at its connection limit", 5));
    }
    return limits.admitConnection(clientAddress, subject);
  }

  /**
   * Whether a connection would be refused now (the refusal, counted as any other), taking no place:
   * so that a WebSocket upgrade is answered with an HTTP error rather than upgraded and closed at
   * once. The socket takes its place when its session starts.
   *
   * @param subject the token's subject, or null when the socket authenticates later
   */
  public Optional<Refusal> refusesNow(String subject, String clientAddress) {
    Limits.Admission admission = admit(subject, clientAddress);
    if (admission instanceof Limits.Admission.Refused refused) {
      return Optional.of(refused.refusal());
    }
    ((Limits.Admission.Admitted) admission).release().release();
    return Optional.empty();
  }

  private Limits.Admission refuse(Refusal refusal) {
    return new Limits.Admission.Refused(count(refusal).refusal());
  }

  private void register(OpenStream stream) {
    open.incrementAndGet();
    openBy.get(stream.transport).incrementAndGet();
    opened.get(stream.transport).increment();
    streams.put(stream.id, stream);
  }

  private void subscribeHubs(
      long hubId, List<String> topics, FeedQueue feed, Position[] resume, int replay) {
    for (int i = 0; i < topics.size(); i++) {
      hubs.tell(
          new TopicHubs.Subscribe(
              topics.get(i),
              new TopicHub.Subscribe(hubId, feed, resume == null ? null : resume[i], replay)));
    }
  }

  private void makeRoomForResume(Grants grants, String clientAddress, List<String> topics) {
    String subject = grants.subject();
    boolean addressFull = !limits.addressHasRoom(clientAddress);
    if (subject == null
        || (open.get() < settings.maxConnections()
            && !addressFull
            && limits.subjectHasRoom(subject))) {
      return;
    }
    Set<String> wanted = Set.copyOf(topics);
    streams.values().stream()
        .filter(
            s ->
                s.endedBy == null
                    && s.transport == Transport.SSE
                    && subject.equals(s.grants.subject())
                    && wanted.equals(Set.copyOf(s.topics))
                    && (!addressFull || clientAddress.equals(s.clientAddress)))
        .min(Comparator.comparingLong(s -> s.id))
        .ifPresent(
            predecessor -> {
              log.info(
                  "a resume by [{}] replaces its stream [{}] from {}",
                  subject,
                  predecessor.id,
                  predecessor.clientAddress);
              end(predecessor, DisconnectReason.REPLACED);
              closed(predecessor.id, null);
            });
  }

  private Opened.Refused count(Refusal refusal) {
    refused.computeIfAbsent(refusal.code(), c -> new LongAdder()).increment();
    return new Opened.Refused(refusal);
  }

  /**
   * A connection ended, with the cause its feed was failed with, or null: it lets go of its places
   * and its hubs.
   */
  public void closed(long id, Throwable failure) {
    OpenStream stream = streams.remove(id);
    if (stream == null) {
      return;
    }
    stream.release.release();
    DisconnectReason reason = stream.endedBy;
    if (reason == null) {
      reason =
          failure instanceof SlowConsumerException
              ? DisconnectReason.SLOW_CONSUMER
              : failure != null ? DisconnectReason.FAILED : DisconnectReason.CLIENT_GONE;
    }
    disconnects.get(stream.transport).get(reason).increment();
    open.decrementAndGet();
    openBy.get(stream.transport).decrementAndGet();
    long hubId = stream.hubId;
    stream.topics.forEach(t -> hubs.tell(new TopicHubs.Unsubscribe(t, hubId)));
    log.debug("subscriber [{}] disconnected ({}): {}", id, reason.code(), failure);
  }

  /**
   * The client closed the connection: end the stream and let go of what it holds now, as its end
   * may never be reported (a stream whose answer was not sent yet is never materialized).
   */
  private void hungUp(long id) {
    OpenStream stream = streams.get(id);
    if (stream != null) {
      end(stream, DisconnectReason.CLIENT_GONE);
      closed(id, null);
    }
  }

  /** Ends a stream from the node's side, remembering why for the disconnect count. */
  private void end(OpenStream stream, DisconnectReason reason) {
    // A stream ending already (its client left, its hub cut it) counts under its own reason.
    if (stream.endedBy == null) {
      stream.endedBy = reason;
      if (!stream.ender.end(reason)) {
        stream.endedBy = null;
      }
    }
  }

  /** Connections of this transport opened since start. */
  public long opened(Transport transport) {
    return opened.get(transport).sum();
  }

  /** Connections open on this node right now, of every transport. */
  public int open() {
    return open.get();
  }

  /** Connections of this transport open on this node right now. */
  public int open(Transport transport) {
    return openBy.get(transport).get();
  }

  /** Connections of this transport closed since start, by reason code. */
  public Map<String, Long> disconnects(Transport transport) {
    Map<String, Long> out = new TreeMap<>();
    disconnects.get(transport).forEach((reason, n) -> out.put(reason.code(), n.sum()));
    return out;
  }

  /**
   * Subscriptions refused here since start, by error code ({@code starting}, {@code draining},
   * {@code at_capacity}, {@code owner_unavailable}); the per-client limits count their own
   * refusals.
   */
  public Map<String, Long> refused() {
    Map<String, Long> out = new TreeMap<>();
    refused.forEach((code, n) -> out.put(code, n.sum()));
    return out;
  }

  /** Ends the streams opened with any of these (now revoked) tokens. */
  public void endStreamsOf(Set<String> revokedTokenIds) {
    int ended = 0;
    for (OpenStream stream : streams.values()) {
      String tokenId = stream.grants.tokenId();
      if (tokenId != null && revokedTokenIds.contains(tokenId)) {
        end(stream, DisconnectReason.REVOKED);
        ended++;
      }
    }
    if (ended > 0) {
      log.info("ended [{}] connections of revoked tokens", ended);
    }
  }

  /**
   * Ends every open stream: in random order, a batch every {@link #DRAIN_TICK}, spread over the
   * drain window (all at once for a zero window). Completes once the last batch was ended; the
   * streams themselves then write their last bytes and close.
   */
  public CompletionStage<Done> drain(Scheduler scheduler, ExecutionContext executor) {
    List<OpenStream> all = new ArrayList<>(streams.values());
    Collections.shuffle(all);
    long ticks = Math.max(1, settings.drainWindow().toMillis() / DRAIN_TICK.toMillis());
    int perTick = (int) Math.max(1, (all.size() + ticks - 1) / ticks);
    log.info("draining {} connections over {}", all.size(), settings.drainWindow());
    return endBatches(all, 0, perTick, scheduler, executor);
  }

  private CompletionStage<Done> endBatches(
      List<OpenStream> all, int from, int perTick, Scheduler scheduler, ExecutionContext executor) {
    int to = Math.min(all.size(), from + perTick);
    for (OpenStream stream : all.subList(from, to)) {
      end(stream, DisconnectReason.DRAINED);
    }
    if (to >= all.size()) {
      return CompletableFuture.completedFuture(Done.getInstance());
    }
    CompletableFuture<Done> next = new CompletableFuture<>();
    scheduler.scheduleOnce(
        DRAIN_TICK,
        () ->
            endBatches(all, to, perTick, scheduler, executor)
                .whenComplete((done, failure) -> next.complete(Done.getInstance())),
        executor);
    return next;
  }
}
