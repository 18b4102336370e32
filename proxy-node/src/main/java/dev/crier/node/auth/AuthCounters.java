package dev.crier.node.auth;

import java.util.Comparator;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Supplier;

/** Token checks by verifier and result, and auth webhook calls, for metrics. Thread-safe. */
public final class AuthCounters {

  /** One metric series: which verifier decided, and how. */
  public record Outcome(String verifier, String result) {}

  private final Map<Outcome, LongAdder> verifications = new ConcurrentHashMap<>();
  private final Map<String, LongAdder> webhookCalls = new ConcurrentHashMap<>();
  private final LongAdder webhookCacheHits = new LongAdder();
  private final LongAdder jwtCacheHits = new LongAdder();
  private final LongAdder webhookStaleGrants = new LongAdder();
  private volatile Supplier<String> webhookBreaker = () -> "";

  void verification(String verifier, String result) {
    verifications.computeIfAbsent(new Outcome(verifier, result), o -> new LongAdder()).increment();
  }

  void webhookCall(String result) {
    webhookCalls.computeIfAbsent(result, r -> new LongAdder()).increment();
  }

  void webhookCacheHit() {
    webhookCacheHits.increment();
  }

  void jwtCacheHit() {
    jwtCacheHits.increment();
  }

  void webhookStaleGrant() {
    webhookStaleGrants.increment();
  }

  void webhookBreaker(Supplier<String> state) {
    webhookBreaker = state;
  }

  /** Requests answered from cached webhook answers. */
  public long webhookCacheHits() {
    return webhookCacheHits.sum();
  }

  /**
   * Requests whose JWT was answered from the cache of verified tokens, its signature not checked.
   */
  public long jwtCacheHits() {
    return jwtCacheHits.sum();
  }

  /** Requests granted from an older answer while the webhook was out ({@code allow-cached}). */
  public long webhookStaleGrants() {
    return webhookStaleGrants.sum();
  }

  /**
   * The webhook's circuit breaker: {@code closed}, {@code open}, {@code half_open}, or "" if none.
   */
  public String webhookBreakerState() {
    return webhookBreaker.get();
  }

  /**
   * Requests whose token was checked, by the verifier that decided ({@code jwt}, {@code webhook},
   * {@code anonymous}, or {@code none} when none would) and the result ({@code granted}, {@code
   * refused}, {@code revoked}, {@code unavailable}, {@code cached}, {@code stale}).
   */
  public Map<Outcome, Long> verifications() {
    Map<Outcome, Long> out =
        new TreeMap<>(Comparator.comparing(Outcome::verifier).thenComparing(Outcome::result));
    verifications.forEach((outcome, n) -> out.put(outcome, n.sum()));
    return out;
  }

  /**
   * Calls to the auth webhook, by result ({@code granted}, {@code refused}, {@code failed}, or
   * {@code breaker_open} when the breaker refused to make it).
   */
  public Map<String, Long> webhookCalls() {
    Map<String, Long> out = new TreeMap<>();
    webhookCalls.forEach((result, n) -> out.put(result, n.sum()));
    return out;
  }
}
