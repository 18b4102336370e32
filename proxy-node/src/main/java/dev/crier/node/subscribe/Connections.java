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
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
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
  private static final Refusal STARTING =
      Refusal.unavailable("starting", "node is starting; try again in a moment", 1);

  private final SubscribeSettings settings;
  private final Duration syncTimeout;
  private final ActorRef<TopicHubs.Command> hubs;
  private final NodeLifecycle lifecycle;
  private final Limits limits;
  private final ByteString retryFrame;
  private final AtomicLong ids = new AtomicLong();
  private final Map<Long, OpenConnection> streams = new ConcurrentHashMap<>();
  private final ConnectionCounts counts = new ConnectionCounts();

  /** How the node ends a connection from its side, whichever transport carries it. */
  public interface Ender {
    /** Ends it for this reason; false if it was ending already. */
    boolean end(DisconnectReason reason);
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
    // Ticking at half the interval and sending after three quarters of it keeps an idle stream's
    // comments one interval apart, and a stream that was written to within 0.75–1.25 of it.
    Duration tick = settings.heartbeat().dividedBy(2);
    long idleNanos = settings.heartbeat().toNanos() * 3 / 4;
    scheduler.scheduleWithFixedDelay(
        tick,
        tick,
        () -> {
          long now = System.nanoTime();
          for (OpenConnection s : streams.values()) {
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
                      ? CompletableFuture.completedFuture(count(STARTING))
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
        new OpenConnection(
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
   * Admits a connection that is not an SSE subscription (a WebSocket, a channel's reader) under the
   * same limits as one, known to the node from then on (revocation and drain end it through {@code
   * ender}); a WebSocket subscribes later. It reports its end with {@link #closed}.
   */
  public Opened admit(Transport transport, Grants grants, String clientAddress, Ender ender) {
    Limits.Admission admitted = admit(grants.subject(), clientAddress);
    if (admitted instanceof Limits.Admission.Refused refused) {
      return new Opened.Refused(refused.refusal());
    }
    long id = ids.incrementAndGet();
    register(
        new OpenConnection(
            id,
            transport,
            null,
            ender,
            ((Limits.Admission.Admitted) admitted).release(),
            grants,
            clientAddress,
            List.of()));
    return new Opened.Admitted(id);
  }

  /**
   * Registers a WebSocket's subscription with its topics' hubs; completes once every topic has
   * caught up (the feed's {@link FeedQueue#subscribed}), or fails after the sync timeout.
   */
  public CompletableFuture<Void> subscribe(
      long socketId, CursorCodec codec, Position[] resume, int replay, FeedQueue feed) {
    OpenConnection socket = streams.get(socketId);
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
    OpenConnection socket = streams.get(socketId);
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
      return refuse(STARTING);
    }
    if (!lifecycle.serving()) {
      return refuse(Refusal.unavailable("draining", "node is not serving; reconnect elsewhere", 1));
    }
    if (counts.open() >= settings.maxConnections()) {
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

  private void register(OpenConnection stream) {
    counts.connected(stream.transport);
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
        || (counts.open() < settings.maxConnections()
            && !addressFull
            && limits.subjectHasRoom(subject))) {
      return;
    }
    Set<String> wanted = Set.copyOf(topics);
    streams.values().stream()
        .filter(s -> s.replaceableBy(subject, wanted, addressFull ? clientAddress : null))
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
    counts.refusedWith(refusal.code());
    return new Opened.Refused(refusal);
  }

  /**
   * A connection ended, with the cause its feed was failed with, or null: it lets go of its places
   * and its hubs.
   */
  public void closed(long id, Throwable failure) {
    OpenConnection stream = streams.remove(id);
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
    counts.disconnected(stream.transport, reason);
    long hubId = stream.hubId;
    stream.topics.forEach(t -> hubs.tell(new TopicHubs.Unsubscribe(t, hubId)));
    log.debug("subscriber [{}] disconnected ({}): {}", id, reason.code(), failure);
  }

  /**
   * The client closed the connection: end the stream and let go of what it holds now, as its end
   * may never be reported (a stream whose answer was not sent yet is never materialized).
   */
  private void hungUp(long id) {
    OpenConnection stream = streams.get(id);
    if (stream != null) {
      end(stream, DisconnectReason.CLIENT_GONE);
      closed(id, null);
    }
  }

  /** Ends a stream from the node's side, remembering why for the disconnect count. */
  private void end(OpenConnection stream, DisconnectReason reason) {
    // A stream ending already (its client left, its hub cut it) counts under its own reason.
    if (stream.endedBy == null) {
      stream.endedBy = reason;
      if (!stream.ender.end(reason)) {
        stream.endedBy = null;
      }
    }
  }

  /** Connections open on this node right now, of every transport. */
  public int open() {
    return counts.open();
  }

  /** What the connections count, for the metrics. */
  public ConnectionCounts counts() {
    return counts;
  }

  /** Ends the streams opened with any of these (now revoked) tokens. */
  public void endStreamsOf(Set<String> revokedTokenIds) {
    int ended = 0;
    for (OpenConnection stream : streams.values()) {
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
    List<OpenConnection> all = new ArrayList<>(streams.values());
    Collections.shuffle(all);
    long ticks = Math.max(1, settings.drainWindow().toMillis() / DRAIN_TICK.toMillis());
    int perTick = (int) Math.max(1, (all.size() + ticks - 1) / ticks);
    log.info("draining {} connections over {}", all.size(), settings.drainWindow());
    return DrainBatches.run(
        all, c -> end(c, DisconnectReason.DRAINED), perTick, DRAIN_TICK, scheduler, executor);
  }
}
