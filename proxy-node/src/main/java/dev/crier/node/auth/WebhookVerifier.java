package dev.crier.node.auth;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import dev.crier.protocol.topic.InvalidTopicException;
import dev.crier.protocol.topic.TopicPattern;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.http.javadsl.Http;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpRequest;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.headers.RawHeader;
import org.apache.pekko.http.javadsl.settings.ConnectionPoolSettings;
import org.apache.pekko.pattern.CircuitBreaker;
import org.apache.pekko.pattern.CircuitBreakerOpenException;
import org.apache.pekko.stream.Materializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Asks an auth service over HTTP whether a token is good and what it grants (see docs/security.md
 * for the request and answer). Answers are cached per token (its SHA-256, never the token itself):
 * a grant for {@code granted-ttl} and only for the requests it covers, a refusal for {@code
 * refused-ttl}. Concurrent requests with the same token share one call (one the answer does not
 * cover asks again). At most {@code max-connections} calls are in flight; up to {@code max-waiting}
 * more wait here, not in the breaker, so that only the webhook's own slowness counts against it,
 * and beyond them a request gets 503 at once. A circuit breaker stops calling after {@code
 * max-failures} consecutive errors or timeouts and probes again after {@code reset-timeout};
 * meanwhile {@code on-outage} decides: refuse with 503, or grant as last answered while that answer
 * is younger than {@code stale-ttl}. Thread-safe.
 */
public final class WebhookVerifier implements TokenVerifier {
  private static final Logger log = LoggerFactory.getLogger(WebhookVerifier.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final long MAX_ANSWER_BYTES = 64 * 1024;

  /** A cached answer of the webhook. */
  private sealed interface Answer {
    Instant answeredAt();
  }

  private record Granted(Grants grants, Instant answeredAt) implements Answer {}

  private record Refused(String reason, Instant answeredAt) implements Answer {}

  private final WebhookSettings settings;
  private final ActorSystem<?> system;
  private final Materializer materializer;
  private final AuthCounters counters;
  private final Clock clock;
  private final CircuitBreaker breaker;
  private final ConnectionPoolSettings pool;
  private final Semaphore connections;
  private final Queue<Runnable> waiting = new ConcurrentLinkedQueue<>();
  private final AtomicInteger waitingCount = new AtomicInteger();
  private final Cache<String, Answer> answers;

  /** Calls in flight, by token digest. */
  private final Map<String, CompletableFuture<Answer>> inFlight = new ConcurrentHashMap<>();

  public WebhookVerifier(
      WebhookSettings settings, ActorSystem<?> system, AuthCounters counters, Clock clock) {
    this.settings = settings;
    this.system = system;
    this.materializer = Materializer.matFromSystem(system);
    this.counters = counters;
    this.clock = clock;
    this.connections = new Semaphore(settings.maxConnections());
    this.pool =
        ConnectionPoolSettings.create(system.classicSystem())
            .withMaxConnections(settings.maxConnections())
            .withMaxOpenRequests(Integer.highestOneBit(settings.maxConnections()) * 2);
    this.breaker =
        CircuitBreaker.create(
                system.classicSystem().scheduler(),
                settings.maxFailures(),
                settings.timeout(),
                settings.resetTimeout())
            .addOnOpenListener(
                () ->
                    log.warn(
                        "auth webhook failing: circuit breaker open for [{}]",
                        settings.resetTimeout()))
            .addOnCloseListener(() -> log.info("auth webhook answering again: breaker closed"));
    this.answers =
        Caffeine.newBuilder()
            .maximumSize(settings.maxEntries())
            .expireAfter(
                new Expiry<String, Answer>() {
                  @Override
                  public long expireAfterCreate(String key, Answer answer, long now) {
                    return keep(answer).toNanos();
                  }

                  @Override
                  public long expireAfterUpdate(
                      String key, Answer answer, long now, long currentDuration) {
                    return keep(answer).toNanos();
                  }

                  @Override
                  public long expireAfterRead(
                      String key, Answer answer, long now, long currentDuration) {
                    return currentDuration;
                  }
                })
            .build();
    counters.webhookBreaker(this::breakerState);
  }

  /** Granting answers stay for use during outages; refusals only while they are fresh. */
  private Duration keep(Answer answer) {
    return answer instanceof Granted ? settings.staleTtl() : settings.refusedTtl();
  }

  @Override
  public String name() {
    return AuthSettings.WEBHOOK;
  }

  /** {@code closed}, {@code open} or {@code half_open}. */
  public String breakerState() {
    return breaker.isOpen() ? "open" : breaker.isHalfOpen() ? "half_open" : "closed";
  }

  @Override
  public Optional<CompletionStage<Grants>> verify(String token, AccessRequest request) {
    String digest = TokenDigest.of(token);
    Instant now = clock.instant();
    Answer cached = answers.getIfPresent(digest);
    if (cached instanceof Refused refused
        && now.isBefore(refused.answeredAt().plus(settings.refusedTtl()))) {
      counters.webhookCacheHit();
      return Optional.of(CompletableFuture.failedFuture(new AuthException(refused.reason())));
    }
    if (cached instanceof Granted granted
        && usable(granted, now, settings.grantedTtl())
        && request.allowedBy(granted.grants())) {
      counters.webhookCacheHit();
      return Optional.of(CompletableFuture.completedFuture(granted.grants()));
    }
    return Optional.of(
        answerFor(digest, token, request)
            .handle(
                (answer, failure) -> {
                  if (failure == null) {
                    if (answer instanceof Refused refused) {
                      throw new AuthException(refused.reason());
                    }
                    return ((Granted) answer).grants();
                  }
                  if (settings.onOutage() == WebhookSettings.OnOutage.ALLOW_CACHED
                      && cached instanceof Granted granted
                      && usable(granted, clock.instant(), settings.staleTtl())
                      && request.allowedBy(granted.grants())) {
                    counters.webhookStaleGrant();
                    return granted.grants();
                  }
                  throw new AuthUnavailableException("the auth service is unavailable");
                }));
  }

  private static boolean usable(Granted granted, Instant now, Duration ttl) {
    return now.isBefore(granted.answeredAt().plus(ttl))
        && now.isBefore(granted.grants().expiresAt());
  }

  /**
   * The webhook's answer for the token: joins the call in flight for it, if any, and asks again
   * only when that call's grant does not cover this request.
   */
  private CompletionStage<Answer> answerFor(String digest, String token, AccessRequest request) {
    CompletableFuture<Answer> mine = new CompletableFuture<>();
    CompletableFuture<Answer> running = inFlight.putIfAbsent(digest, mine);
    if (running != null) {
      return running.thenCompose(
          answer ->
              answer instanceof Granted granted && !request.allowedBy(granted.grants())
                  ? answerFor(digest, token, request)
                  : CompletableFuture.completedFuture(answer));
    }
    throttled(() -> breaker.callWithCircuitBreakerCS(() -> ask(token, request)))
        .whenComplete(
            (answer, failure) -> {
              if (failure == null) {
                answers.put(digest, answer);
                counters.webhookCall(answer instanceof Granted ? "granted" : "refused");
              } else {
                Throwable cause = failure instanceof CompletionException c ? c.getCause() : failure;
                counters.webhookCall(
                    cause instanceof CircuitBreakerOpenException ? "breaker_open" : "failed");
                log.debug("auth webhook call failed: {}", failure.toString());
              }
              inFlight.remove(digest, mine);
              if (failure == null) {
                mine.complete(answer);
              } else {
                mine.completeExceptionally(failure);
              }
            });
    return mine;
  }

  /** Runs the call when one of {@code max-connections} is free; it waits here until then. */
  private CompletionStage<Answer> throttled(Supplier<CompletionStage<Answer>> call) {
    CompletableFuture<Answer> result = new CompletableFuture<>();
    Runnable start =
        () ->
            call.get()
                .whenComplete(
                    (answer, failure) -> {
                      connections.release();
                      startWaiting();
                      if (failure == null) {
                        result.complete(answer);
                      } else {
                        result.completeExceptionally(failure);
                      }
                    });
    if (connections.tryAcquire()) {
      start.run();
    } else if (waitingCount.incrementAndGet() > settings.maxWaiting()) {
      waitingCount.decrementAndGet();
      result.completeExceptionally(new AuthUnavailableException("too many auth calls waiting"));
    } else {
      waiting.add(start);
      startWaiting();
    }
    return result;
  }

  private void startWaiting() {
    while (!waiting.isEmpty() && connections.tryAcquire()) {
      Runnable next = waiting.poll();
      if (next == null) {
        connections.release();
        return;
      }
      waitingCount.decrementAndGet();
      next.run();
    }
  }

  private CompletionStage<Answer> ask(String token, AccessRequest request) {
    ObjectNode body = JSON.createObjectNode().put("token", token);
    body.put("action", request.action().name().toLowerCase(Locale.ROOT));
    request.topics().forEach(body.putArray("topics")::add);
    HttpRequest post =
        HttpRequest.POST(settings.url().toString())
            .withEntity(ContentTypes.APPLICATION_JSON, body.toString());
    if (!settings.authorization().isEmpty()) {
      post = post.addHeader(RawHeader.create("Authorization", settings.authorization()));
    }
    Http http = Http.get(system);
    return http.singleRequest(
            post, http.defaultClientHttpsContext(), pool, system.classicSystem().log())
        .thenCompose(
            response ->
                response
                    .entity()
                    .withSizeLimit(MAX_ANSWER_BYTES)
                    .toStrict(settings.timeout().toMillis(), materializer)
                    .thenApply(strict -> answer(response, strict.getData().toArray())));
  }

  /** 200 grants, 401 and 403 refuse; anything else fails the call (and counts for the breaker). */
  private Answer answer(HttpResponse response, byte[] body) {
    int status = response.status().intValue();
    Instant now = clock.instant();
    if (status == 401 || status == 403) {
      return new Refused("token refused by the auth service", now);
    }
    if (status != 200) {
      throw new IllegalStateException("auth webhook answered " + status);
    }
    try {
      return new Granted(grants(JSON.readTree(body)), now);
    } catch (IOException | InvalidTopicException | ClassCastException e) {
      throw new IllegalStateException("auth webhook answer is malformed: " + e.getMessage(), e);
    }
  }

  private static Grants grants(JsonNode answer) {
    if (!answer.isObject()) {
      throw new IllegalStateException("auth webhook answer is not a JSON object");
    }
    JsonNode expires = answer.path("expiresAt");
    return new Grants(
        answer.path("sub").isTextual() ? answer.get("sub").asText() : null,
        answer.path("jti").isTextual() ? answer.get("jti").asText() : null,
        expires.isNumber() ? Instant.ofEpochSecond(expires.asLong()) : Instant.MAX,
        patterns(answer.path("subscribe")),
        patterns(answer.path("publish")),
        answer.path("admin").asBoolean(false),
        answer.path("tenant").isTextual() ? answer.get("tenant").asText() : null,
        answer.path("channels").asBoolean(false));
  }

  private static List<TopicPattern> patterns(JsonNode array) {
    List<TopicPattern> out = new ArrayList<>();
    if (array.isMissingNode() || array.isNull()) {
      return out;
    }
    if (!array.isArray()) {
      throw new IllegalStateException("auth webhook grants must be arrays of topic patterns");
    }
    for (JsonNode item : array) {
      if (!item.isTextual()) {
        throw new IllegalStateException("auth webhook grants must be arrays of topic patterns");
      }
      out.add(TopicPattern.parse(item.asText()));
    }
    return out;
  }
}
