package dev.crier.node.subscribe;

import dev.crier.node.auth.AccessRequest;
import dev.crier.node.auth.Grants;
import dev.crier.node.http.Access;
import dev.crier.node.http.ApiError;
import dev.crier.node.http.PathTopic;
import dev.crier.node.http.QueryParameters;
import dev.crier.node.limits.Limits;
import dev.crier.node.management.NodeLifecycle;
import dev.crier.node.topic.FeedItem;
import dev.crier.node.topic.SlowConsumerException;
import dev.crier.node.topic.TopicHub;
import dev.crier.node.topic.TopicHubs;
import dev.crier.protocol.cursor.CursorCodec;
import dev.crier.protocol.cursor.InvalidCursorException;
import dev.crier.protocol.cursor.Position;
import dev.crier.protocol.sse.SseEncoder;
import dev.crier.protocol.topic.InvalidTopicException;
import dev.crier.protocol.topic.TopicName;
import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.apache.pekko.Done;
import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.Scheduler;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.http.javadsl.model.AttributeKeys;
import org.apache.pekko.http.javadsl.model.ContentType;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.http.javadsl.model.HttpRequest;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.MediaTypes;
import org.apache.pekko.http.javadsl.model.RemoteAddress;
import org.apache.pekko.http.javadsl.model.headers.RawHeader;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.Route;
import org.apache.pekko.japi.Pair;
import org.apache.pekko.stream.BoundedSourceQueue;
import org.apache.pekko.stream.Materializer;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.util.ByteString;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import scala.concurrent.ExecutionContext;

/**
 * {@code GET /events/{topic}} and {@code GET /events?topic=…}: checks the request, then answers
 * with a stream of Server-Sent Events fed by this node's topic hubs.
 */
public final class SubscribeRoutes extends AllDirectives {
  private static final Logger log = LoggerFactory.getLogger(SubscribeRoutes.class);
  private static final ContentType EVENT_STREAM = ContentTypes.create(MediaTypes.TEXT_EVENT_STREAM);
  private static final ByteString HEARTBEAT = ByteString.fromArrayUnsafe(SseEncoder.comment(""));
  private static final Duration DRAIN_TICK = Duration.ofMillis(100);

  private final SubscribeSettings settings;
  private final Duration syncTimeout;
  private final Materializer materializer;
  private final int maxReplay;
  private final Access access;
  private final ActorRef<TopicHubs.Command> hubs;
  private final NodeLifecycle lifecycle;
  private final ByteString retryFrame;
  private final AtomicLong subscriberIds = new AtomicLong();
  private final AtomicInteger open = new AtomicInteger();
  private final LongAdder opened = new LongAdder();
  private final Map<Long, OpenStream> streams = new ConcurrentHashMap<>();

  /** Why the node ended a stream, kept until the stream has closed and been counted. */
  private final Map<Long, String> endedBy = new ConcurrentHashMap<>();

  private final Map<String, LongAdder> disconnects = new ConcurrentHashMap<>();
  private final Limits limits;

  /**
   * An open SSE stream: its feed, what it holds of the per-client limits, and its token's id (null
   * if none) so that revoking the token ends it.
   */
  private record OpenStream(
      BoundedSourceQueue<FeedItem> queue, Limits.Release release, String tokenId) {}

  /**
   * @param syncTimeout how long a new subscription may take to catch up before answering 503
   */
  public SubscribeRoutes(
      SubscribeSettings settings,
      int maxReplay,
      Duration syncTimeout,
      Access access,
      ActorRef<TopicHubs.Command> hubs,
      NodeLifecycle lifecycle,
      Limits limits,
      Materializer materializer) {
    this.settings = settings;
    this.limits = limits;
    this.syncTimeout = syncTimeout;
    this.materializer = materializer;
    this.maxReplay = maxReplay;
    this.access = access;
    this.hubs = hubs;
    this.lifecycle = lifecycle;
    this.retryFrame = ByteString.fromArrayUnsafe(SseEncoder.retry(settings.retry().toMillis()));
  }

  /** SSE streams opened since start. */
  public long openedConnections() {
    return opened.sum();
  }

  /** SSE connections open on this node right now. */
  public int openConnections() {
    return open.get();
  }

  public Route route() {
    return pathPrefix(
        "events",
        () ->
            get(
                () ->
                    concat(
                        pathEnd(() -> extractRequest(request -> subscribe(request, List.of()))),
                        extractUnmatchedPath(
                            path ->
                                extractRequest(
                                    request ->
                                        subscribe(
                                            request, List.of(pathTopic(path.toString()))))))));
  }

  private static String pathTopic(String unmatched) {
    String raw = unmatched.startsWith("/") ? unmatched.substring(1) : unmatched;
    String topic = PathTopic.decode(raw);
    return topic == null ? raw : topic;
  }

  private Route subscribe(HttpRequest request, List<String> pathTopics) {
    CursorCodec codec;
    Position[] resume;
    int replay;
    try {
      codec = new CursorCodec(topics(request, pathTopics));
      resume = resumePositions(request, codec);
      replay = replay(request);
    } catch (ApiError.Rejection rejection) {
      return complete(rejection.error().toResponse());
    }
    return completeWithFuture(
        access
            .authenticate(request, AccessRequest.subscribe(codec.topics()))
            // A refusal fails the stage with its rejection: the listener's exception handler
            // (HttpServer) answers it.
            .thenCompose(grants -> open(request, grants, codec, resume, replay)));
  }

  /**
   * Checks the request, registers the subscription with the hubs, and answers once every topic has
   * caught up, so that a 200 means every event published from then on will arrive.
   */
  private CompletableFuture<HttpResponse> open(
      HttpRequest request, Grants grants, CursorCodec codec, Position[] resume, int replay) {
    for (String topic : codec.topics()) {
      if (!grants.maySubscribe(topic)) {
        throw ApiError.forbidden("token does not grant subscribe to topic " + topic).rejection();
      }
    }
    if (!lifecycle.serving()) {
      throw ApiError.unavailable("draining", "node is not serving; reconnect elsewhere", 1)
          .rejection();
    }
    if (open.get() >= settings.maxConnections()) {
      throw ApiError.unavailable("at_capacity", "node is at its connection limit", 5).rejection();
    }
    Limits.Release release = limits.admitConnection(clientAddress(request), grants.subject());
    long id = subscriberIds.incrementAndGet();
    Pair<BoundedSourceQueue<FeedItem>, Source<FeedItem, NotUsed>> feed =
        Source.<FeedItem>queue(settings.bufferSize()).preMaterialize(materializer);
    open.incrementAndGet();
    opened.increment();
    streams.put(id, new OpenStream(feed.first(), release, grants.tokenId()));
    List<String> topics = codec.topics();
    CompletableFuture<?>[] synced = new CompletableFuture<?>[topics.size()];
    for (int i = 0; i < topics.size(); i++) {
      CompletableFuture<Void> topicSynced = new CompletableFuture<>();
      synced[i] = topicSynced;
      hubs.tell(
          new TopicHubs.Subscribe(
              topics.get(i),
              new TopicHub.Subscribe(
                  id, feed.first(), resume == null ? null : resume[i], replay, topicSynced)));
    }
    log.debug("subscriber [{}] connecting to {}", id, topics);
    return CompletableFuture.allOf(synced)
        .orTimeout(syncTimeout.toMillis(), TimeUnit.MILLISECONDS)
        .handle(
            (ok, failure) -> {
              if (failure != null) {
                TopicHub.close(feed.first(), null);
                closed(id, topics, failure);
                return ApiError.unavailable(
                        "owner_unavailable", "the topics' owners did not answer in time", 1)
                    .toResponse();
              }
              return HttpResponse.create()
                  .addHeader(RawHeader.create("Cache-Control", "no-cache"))
                  .addHeader(RawHeader.create("X-Accel-Buffering", "no"))
                  // Close-delimited rather than chunked: an SSE stream never shares its
                  // connection, and skipping chunk framing makes each write about 20% cheaper
                  // (docs/benchmarks.md, fan-out to 10,000 connections).
                  .withEntity(
                      HttpEntities.createCloseDelimited(
                          EVENT_STREAM, stream(id, codec, feed.second())));
            });
  }

  private void closed(long id, List<String> topics, Throwable failure) {
    OpenStream stream = streams.remove(id);
    if (stream != null) {
      stream.release().release();
    }
    String reason = endedBy.remove(id);
    if (reason == null) {
      reason =
          failure instanceof SlowConsumerException
              ? "slow_consumer"
              : failure != null ? "failed" : "client_gone";
    }
    disconnects.computeIfAbsent(reason, r -> new LongAdder()).increment();
    open.decrementAndGet();
    topics.forEach(t -> hubs.tell(new TopicHubs.Unsubscribe(t, id)));
    log.debug("subscriber [{}] disconnected: {}", id, failure);
  }

  /** The connection's peer address (pekko.http.server.remote-address-attribute is on). */
  private static String clientAddress(HttpRequest request) {
    return request
        .getAttribute(AttributeKeys.remoteAddress)
        .flatMap(RemoteAddress::getAddress)
        .map(InetAddress::getHostAddress)
        .orElse("unknown");
  }

  private List<String> topics(HttpRequest request, List<String> pathTopics) {
    List<String> queried = request.getUri().query().getAll("topic");
    if (!pathTopics.isEmpty() && !queried.isEmpty()) {
      // Taking one and ignoring the other would leave the client waiting for a topic it never gets.
      throw ApiError.badRequest(
              "invalid_topic",
              "name the topics in the path (/events/{topic}) or as ?topic=, not both")
          .rejection();
    }
    List<String> requested = pathTopics.isEmpty() ? queried : pathTopics;
    if (requested.isEmpty()) {
      throw ApiError.badRequest("missing_topic", "name a topic: /events/{topic} or ?topic=")
          .rejection();
    }
    Set<String> distinct = new LinkedHashSet<>(requested);
    if (distinct.size() > settings.maxTopics()) {
      throw ApiError.badRequest(
              "too_many_topics",
              "a subscription may name at most " + settings.maxTopics() + " topics")
          .rejection();
    }
    for (String topic : distinct) {
      try {
        TopicName.validate(topic);
      } catch (InvalidTopicException e) {
        throw ApiError.badRequest("invalid_topic", e.getMessage()).rejection();
      }
    }
    return new ArrayList<>(distinct);
  }

  private static Position[] resumePositions(HttpRequest request, CursorCodec codec) {
    Optional<String> cursor =
        request
            .getHeader("Last-Event-ID")
            .map(h -> h.value().trim())
            .or(() -> request.getUri().query().get("lastEventId"));
    if (cursor.isEmpty() || cursor.get().isEmpty()) {
      return null;
    }
    try {
      return codec.parse(cursor.get());
    } catch (InvalidCursorException e) {
      throw ApiError.badRequest("invalid_cursor", e.getMessage()).rejection();
    }
  }

  private int replay(HttpRequest request) {
    return Math.min(
        QueryParameters.wholeNumber(request, "replay", 0, 0, "invalid_replay"), maxReplay);
  }

  private Source<ByteString, NotUsed> stream(
      long id, CursorCodec codec, Source<FeedItem, NotUsed> feed) {
    Source<ByteString, NotUsed> events =
        feed.watchTermination(
                (notUsed, done) -> {
                  done.whenComplete((ok, failure) -> closed(id, codec.topics(), failure));
                  return NotUsed.getInstance();
                })
            // A cut-off or failed feed ends the response cleanly (the cause is logged where it
            // arose): the client reconnects with its last id instead of seeing a broken stream.
            .recoverWithRetries(1, Throwable.class, Source::empty)
            .statefulMapConcat(
                () -> {
                  SubscriptionFraming framing = new SubscriptionFraming(codec);
                  return framing::apply;
                })
            // While the connection is busy writing, frames that arrive meanwhile are joined into
            // one
            // write (without copying) up to buffer-bytes, so the queue drains as fast as the hub
            // fills it: only a subscriber that lags by more than both limits is cut off.
            .batchWeighted(
                settings.bufferBytes(),
                frame -> (long) frame.size(),
                frame -> frame,
                ByteString::concat)
            .keepAlive(settings.heartbeat(), () -> HEARTBEAT);
    return Source.single(retryFrame).concat(events).concat(Source.lazySingle(this::farewell));
  }

  /**
   * The last line of an ended stream: a reconnection delay between half and one and a half times
   * the usual, so that the clients of a draining node do not all come back at the same moment.
   */
  private ByteString farewell() {
    long millis = settings.retry().toMillis();
    long jittered = millis / 2 + ThreadLocalRandom.current().nextLong(millis + 1);
    return ByteString.fromArrayUnsafe(SseEncoder.retry(jittered));
  }

  /** Ends a stream from the node's side, remembering why for the disconnect count. */
  private void end(long id, OpenStream stream, String reason) {
    String earlier = endedBy.putIfAbsent(id, reason);
    // A stream ending already (its client left, the hub cut it, or it was ended before and is
    // still writing its last bytes) counts itself under its own reason.
    if (!TopicHub.close(stream.queue(), null) && earlier == null) {
      endedBy.remove(id, reason);
    }
    if (!streams.containsKey(id)) {
      endedBy.remove(id);
    }
  }

  /**
   * SSE streams closed since start, by reason: {@code client_gone}, {@code slow_consumer}, {@code
   * drained}, {@code revoked}, {@code failed}.
   */
  public Map<String, Long> disconnects() {
    Map<String, Long> out = new TreeMap<>();
    disconnects.forEach((reason, n) -> out.put(reason, n.sum()));
    return out;
  }

  /** Ends the streams opened with any of these (now revoked) tokens. */
  public void endStreamsOf(Set<String> revokedTokenIds) {
    int ended = 0;
    for (Map.Entry<Long, OpenStream> stream : streams.entrySet()) {
      String tokenId = stream.getValue().tokenId();
      if (tokenId != null && revokedTokenIds.contains(tokenId)) {
        end(stream.getKey(), stream.getValue(), "revoked");
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
  public CompletionStage<Done> drainStreams(Scheduler scheduler, ExecutionContext executor) {
    List<Map.Entry<Long, OpenStream>> all = new ArrayList<>(streams.entrySet());
    Collections.shuffle(all);
    long ticks = Math.max(1, settings.drainWindow().toMillis() / DRAIN_TICK.toMillis());
    int perTick = (int) Math.max(1, (all.size() + ticks - 1) / ticks);
    log.info("draining {} SSE streams over {}", all.size(), settings.drainWindow());
    return endBatches(all, 0, perTick, scheduler, executor);
  }

  private CompletionStage<Done> endBatches(
      List<Map.Entry<Long, OpenStream>> all,
      int from,
      int perTick,
      Scheduler scheduler,
      ExecutionContext executor) {
    int to = Math.min(all.size(), from + perTick);
    for (Map.Entry<Long, OpenStream> stream : all.subList(from, to)) {
      end(stream.getKey(), stream.getValue(), "drained");
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
