package dev.crier.node.limits;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.crier.node.Refusal;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * This node's per-client limits: SSE connections per client address and per token subject, and
 * publishes per second per token subject and per tenant. A refusal is {@link Refusal.Kind#LIMITED}
 * with a retry time, counted by limit. Also the heap guard, which refuses new SSE subscribers
 * ({@link Refusal.Kind#UNAVAILABLE}) while the heap is nearly full. Shared by the routes of one
 * node; thread-safe.
 */
public final class Limits {
  /** Collections come every few seconds on a busy node; a client may try again after one. */
  private static final int HEAP_GUARD_RETRY_SECONDS = 5;

  private final LimitSettings settings;
  private final HeapGuard heapGuard;
  private final Map<String, Integer> byIp = new ConcurrentHashMap<>();
  private final Map<String, Integer> bySubject = new ConcurrentHashMap<>();
  private final Cache<String, TokenBucket> publishBuckets =
      Caffeine.newBuilder().expireAfterAccess(Duration.ofMinutes(10)).build();
  private final Cache<String, TokenBucket> tenantPublishBuckets =
      Caffeine.newBuilder().expireAfterAccess(Duration.ofMinutes(10)).build();
  private final Cache<String, TokenBucket> channelCreateBuckets =
      Caffeine.newBuilder().expireAfterAccess(Duration.ofMinutes(10)).build();
  private final Map<String, LongAdder> rejects = new ConcurrentHashMap<>();

  public Limits(LimitSettings settings) {
    this.settings = settings;
    this.heapGuard = new HeapGuard(settings.heapGuard());
  }

  /** What a held SSE connection gives back when it ends. */
  @FunctionalInterface
  public interface Release {
    void release();
  }

  /**
   * A new subscriber connection's admission (SSE or WebSocket): what it gives back when it ends, or
   * why it was refused.
   */
  public sealed interface Admission {
    record Admitted(Release release) implements Admission {}

    record Refused(Refusal refusal) implements Admission {}
  }

  /**
   * Counts a new subscriber connection against its address and subject, or refuses it (counted) at
   * either's limit, and while the heap guard is up.
   */
  public Admission admitConnection(String ip, String subject) {
    if (heapGuard.refusing()) {
      return new Admission.Refused(
          counted(
              Refusal.unavailable(
                  "heap_guard",
                  "node is low on memory and takes no new subscribers; reconnect later or elsewhere",
                  HEAP_GUARD_RETRY_SECONDS)));
    }
    if (!take(byIp, ip, settings.connectionsPerIp())) {
      return new Admission.Refused(
          limited("connections_per_ip", "too many streams from " + ip + " on this node", 5));
    }
    if (!take(bySubject, subject, settings.connectionsPerSubject())) {
      give(byIp, ip, settings.connectionsPerIp());
      return new Admission.Refused(
          limited("connections_per_subject", "too many streams for this token's subject", 5));
    }
    return new Admission.Admitted(
        () -> {
          give(byIp, ip, settings.connectionsPerIp());
          give(bySubject, subject, settings.connectionsPerSubject());
        });
  }

  /**
   * Whether one more stream from {@code ip} fits its per-address limit (counting nothing, so that a
   * caller may first make room).
   */
  public boolean addressHasRoom(String ip) {
    return fits(byIp, ip, settings.connectionsPerIp());
  }

  /** Whether one more stream for {@code subject} fits its per-subject limit. */
  public boolean subjectHasRoom(String subject) {
    return fits(bySubject, subject, settings.connectionsPerSubject());
  }

  private static boolean fits(Map<String, Integer> counts, String key, int limit) {
    return limit <= 0 || key == null || counts.getOrDefault(key, 0) < limit;
  }

  /**
   * Takes {@code events} from the subject's publish allowance and, for a token with a tenant, from
   * the tenant's; or refuses, naming the allowance that refused, and takes nothing from either.
   */
  public Optional<Refusal> admitPublish(String subject, String tenant, int events) {
    long now = System.nanoTime();
    TokenBucket bySubject = null;
    if (settings.publishRate() > 0 && subject != null) {
      bySubject =
          publishBuckets.get(
              subject, s -> new TokenBucket(settings.publishRate(), settings.publishBurst(), now));
      Optional<Refusal> refusal =
          checkPublish(
              "publish_rate",
              "this token's subject",
              bySubject.tryTake(events, now),
              events,
              settings.publishRate(),
              settings.publishBurst());
      if (refusal.isPresent()) {
        return refusal;
      }
    }
    if (tenant == null || settings.tenantPublishRate() <= 0) {
      return Optional.empty();
    }
    TokenBucket byTenant =
        tenantPublishBuckets.get(
            tenant,
            t -> new TokenBucket(settings.tenantPublishRate(), settings.tenantPublishBurst(), now));
    long waitNanos = byTenant.tryTake(events, now);
    if (waitNanos != 0 && bySubject != null) {
      // Given back rather than taken atomically with the tenant's: in the moment between, only
      // another request of the same subject could find the tokens missing, and the tenant that
      // refused this one would most likely refuse that one as well.
      bySubject.giveBack(events);
    }
    return checkPublish(
        "tenant_publish_rate",
        "this token's tenant",
        waitNanos,
        events,
        settings.tenantPublishRate(),
        settings.tenantPublishBurst());
  }

  /**
   * Takes one channel creation from the allowance of the token's subject, or of the client's
   * address when no token was asked for; or refuses ({@code channel_create_rate}).
   */
  public Optional<Refusal> admitChannelCreate(String subject, String ip, double rate, int burst) {
    if (rate <= 0) {
      return Optional.empty();
    }
    long now = System.nanoTime();
    String key = subject != null ? "subject:" + subject : "ip:" + ip;
    long waitNanos =
        channelCreateBuckets.get(key, k -> new TokenBucket(rate, burst, now)).tryTake(1, now);
    if (waitNanos == 0) {
      return Optional.empty();
    }
    return Optional.of(
        limited(
            "channel_create_rate",
            (subject != null ? "this token's subject" : "this client address")
                + " is creating channels faster than "
                + rate
                + " per second",
            (int) Math.max(1, Math.ceil(waitNanos / 1e9))));
  }

  /**
   * The refusal for a bucket's answer to a request for {@code events} (0 = admitted), saying {@code
   * whose} allowance it was.
   */
  private Optional<Refusal> checkPublish(
      String limit, String whose, long waitNanos, int events, double rate, int burst) {
    if (waitNanos == Long.MAX_VALUE) {
      // No wait would ever let it through, so a retry time would be a lie: it is the request that
      // must change.
      return Optional.of(
          Refusal.invalid(
              "invalid_batch",
              events
                  + " events exceed the burst of "
                  + burst
                  + " per request for "
                  + whose
                  + "; send at most "
                  + burst
                  + " per request"));
    }
    if (waitNanos > 0) {
      return Optional.of(
          limited(
              limit,
              whose + " is publishing faster than " + rate + " events/s",
              (int) Math.max(1, Math.ceil(waitNanos / 1e9))));
    }
    return Optional.empty();
  }

  /** Counts one more for the key unless it is at the limit; atomic per key. */
  private static boolean take(Map<String, Integer> counts, String key, int limit) {
    if (limit <= 0 || key == null) {
      return true;
    }
    boolean[] taken = {false};
    counts.compute(
        key,
        (k, n) -> {
          int held = n == null ? 0 : n;
          if (held >= limit) {
            return n;
          }
          taken[0] = true;
          return held + 1;
        });
    return taken[0];
  }

  private static void give(Map<String, Integer> counts, String key, int limit) {
    if (limit > 0 && key != null) {
      counts.computeIfPresent(key, (k, n) -> n <= 1 ? null : n - 1);
    }
  }

  private Refusal limited(String limit, String message, int retryAfterSeconds) {
    return counted(Refusal.limited(limit, message, retryAfterSeconds));
  }

  /** Counts a refusal under its code, which names the limit. */
  private Refusal counted(Refusal refusal) {
    rejects.computeIfAbsent(refusal.code(), l -> new LongAdder()).increment();
    return refusal;
  }

  /** True while the heap guard refuses new subscribers. */
  public boolean heapGuardRefusing() {
    return heapGuard.refusing();
  }

  /** Requests refused, by limit. */
  public Map<String, Long> rejects() {
    Map<String, Long> out = new TreeMap<>();
    rejects.forEach((limit, n) -> out.put(limit, n.sum()));
    return out;
  }
}
