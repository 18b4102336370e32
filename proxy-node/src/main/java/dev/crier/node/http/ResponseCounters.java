package dev.crier.node.http;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * Responses of the public listener by status code, refused credentials, and connections closed for
 * not sending a request in time, for metrics.
 */
public final class ResponseCounters {
  private final Map<Integer, LongAdder> byStatus = new ConcurrentHashMap<>();
  private final LongAdder authFailures = new LongAdder();
  private final LongAdder headerTimeouts = new LongAdder();

  void headerTimeout() {
    headerTimeouts.increment();
  }

  /** Connections closed because their first request did not arrive whole in time. */
  public long headerTimeouts() {
    return headerTimeouts.sum();
  }

  void response(int status) {
    byStatus.computeIfAbsent(status, s -> new LongAdder()).increment();
  }

  void authFailure() {
    authFailures.increment();
  }

  public Map<Integer, Long> byStatus() {
    Map<Integer, Long> out = new TreeMap<>();
    byStatus.forEach((status, n) -> out.put(status, n.sum()));
    return out;
  }

  /** Requests refused for a missing, malformed, expired or badly signed token. */
  public long authFailures() {
    return authFailures.sum();
  }
}
