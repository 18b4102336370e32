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
 * The node's open SSE streams: admits and opens them (registering each with its topics' hubs),
 * counts them and why they ended, sends every idle one its heartbeat from one node-wide tick, ends
 * the streams of revoked tokens, and drains them all when the node goes away.
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
  private final LongAdder opened = new LongAdder();
  private final Map<Long, OpenStream> streams = new ConcurrentHashMap<>();
  private final Map<DisconnectReason, LongAdder> disconnects =
      new EnumMap<>(DisconnectReason.class);
  private final Map<String, LongAdder> refused = new ConcurrentHashMap<>();

  /** What became of a subscription: its stream, caught up, or why it was refused. */
  public sealed interface Opened {
    record Stream(SubscriberStream stream) implements Opened {}

    record Refused(Refusal refusal) implements Opened {}
  }

  /**
   * An open stream, what it holds of the per-client limits, whose it is (its token's id, null if
   * none, so that revoking the token ends it; subject and address, so that a reconnect may replace
   * it), and why the node ended it (null until it does).
   */
  private static final class OpenStream {
    final long id;
    final SubscriberStream stream;
    final Limits.Release release;
    final Grants grants;
    final String clientAddress;
    final List<String> topics;
    volatile DisconnectReason endedBy;

    OpenStream(
        long id,
        SubscriberStream stream,
        Limits.Release release,
        Grants grants,
        String clientAddress,
        List<String> topics) {
      this.id = id;
      this.stream = stream;
      this.release = release;
      this.grants = grants;
      this.clientAddress = clientAddress;
      this.topics = topics;
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
    for (DisconnectReason reason : DisconnectReason.values()) {
      disconnects.put(reason, new LongAdder());
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
          streams.values().forEach(s -> s.stream.heartbeatTick(now, idleNanos));
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
    if (!lifecycle.serving()) {
      return refused(
          Refusal.unavailable("draining", "node is not serving; reconnect elsewhere", 1));
    }
    List<String> topics = codec.topics();
    if (resume != null) {
      makeRoomForResume(grants, clientAddress, topics);
    }
    if (open.get() >= settings.maxConnections()) {
      return refused(Refusal.unavailable("at_capacity", "node is at its connection limit", 5));
    }
    Limits.Admission admission = limits.admitConnection(clientAddress, grants.subject());
    if (admission instanceof Limits.Admission.Refused byLimit) {
      // Counted by the limits under their own codes.
      return CompletableFuture.completedFuture(new Opened.Refused(byLimit.refusal()));
    }
    Limits.Release release = ((Limits.Admission.Admitted) admission).release();
    long id = ids.incrementAndGet();
    SubscriberStream stream =
        new SubscriberStream(
            settings.bufferSize(),
            settings.bufferBytes(),
            settings.retry().toMillis(),
            retryFrame,
            codec,
            failure -> closed(id, failure));
    open.incrementAndGet();
    opened.increment();
    streams.put(id, new OpenStream(id, stream, release, grants, clientAddress, topics));
    for (int i = 0; i < topics.size(); i++) {
      hubs.tell(
          new TopicHubs.Subscribe(
              topics.get(i),
              new TopicHub.Subscribe(id, stream, resume == null ? null : resume[i], replay)));
    }
    // After the hubs were told, so that a client gone already leaves them after it came.
    hangUp.thenRun(() -> hungUp(id));
    log.debug("subscriber [{}] connecting to {}", id, topics);
    return stream
        .subscribed()
        .copy()
        .orTimeout(syncTimeout.toMillis(), TimeUnit.MILLISECONDS)
        .handle(
            (ok, failure) -> {
              if (failure != null) {
                // Never materialized, the stream will not report its end: close it here.
                FeedItem.close(stream, null);
                closed(id, failure);
                return count(
                    Refusal.unavailable(
                        "owner_unavailable", "the topics' owners did not answer in time", 1));
              }
              return new Opened.Stream(stream);
            });
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

  private CompletableFuture<Opened> refused(Refusal refusal) {
    return CompletableFuture.completedFuture(count(refusal));
  }

  private Opened count(Refusal refusal) {
    refused.computeIfAbsent(refusal.code(), c -> new LongAdder()).increment();
    return new Opened.Refused(refusal);
  }

  private void closed(long id, Throwable failure) {
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
    disconnects.get(reason).increment();
    open.decrementAndGet();
    stream.topics.forEach(t -> hubs.tell(new TopicHubs.Unsubscribe(t, id)));
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
    if (stream.endedBy == null && !stream.stream.isCompleted()) {
      stream.endedBy = reason;
      if (!FeedItem.close(stream.stream, null)) {
        stream.endedBy = null;
      }
    }
  }

  /** SSE streams opened since start. */
  public long opened() {
    return opened.sum();
  }

  /** SSE streams open on this node right now. */
  public int open() {
    return open.get();
  }

  /** SSE streams closed since start, by reason code. */
  public Map<String, Long> disconnects() {
    Map<String, Long> out = new TreeMap<>();
    disconnects.forEach((reason, n) -> out.put(reason.code(), n.sum()));
    return out;
  }

  /**
   * Subscriptions refused here since start, by error code ({@code draining}, {@code at_capacity},
   * {@code owner_unavailable}); the per-client limits count their own refusals.
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
      log.info("ended [{}] SSE streams of revoked tokens", ended);
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
    log.info("draining {} SSE streams over {}", all.size(), settings.drainWindow());
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
