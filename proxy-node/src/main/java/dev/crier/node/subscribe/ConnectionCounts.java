package dev.crier.node.subscribe;

import java.util.EnumMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * What the node's {@link Connections} count, for the metrics: connections open and opened by
 * transport, why they closed, and the node's own refusals. Thread-safe.
 */
public final class ConnectionCounts {
  private final AtomicInteger open = new AtomicInteger();
  private final Map<Transport, AtomicInteger> openBy = new EnumMap<>(Transport.class);
  private final Map<Transport, LongAdder> opened = new EnumMap<>(Transport.class);
  private final Map<Transport, Map<DisconnectReason, LongAdder>> disconnects =
      new EnumMap<>(Transport.class);
  private final Map<String, LongAdder> refused = new ConcurrentHashMap<>();

  ConnectionCounts() {
    for (Transport transport : Transport.values()) {
      openBy.put(transport, new AtomicInteger());
      opened.put(transport, new LongAdder());
      Map<DisconnectReason, LongAdder> byReason = new EnumMap<>(DisconnectReason.class);
      for (DisconnectReason reason : DisconnectReason.values()) {
        byReason.put(reason, new LongAdder());
      }
      disconnects.put(transport, byReason);
    }
  }

  void connected(Transport transport) {
    open.incrementAndGet();
    openBy.get(transport).incrementAndGet();
    opened.get(transport).increment();
  }

  void disconnected(Transport transport, DisconnectReason reason) {
    disconnects.get(transport).get(reason).increment();
    open.decrementAndGet();
    openBy.get(transport).decrementAndGet();
  }

  void refusedWith(String code) {
    refused.computeIfAbsent(code, c -> new LongAdder()).increment();
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
   * Subscriptions refused by the node since start, by error code ({@code starting}, {@code
   * draining}, {@code at_capacity}, {@code owner_unavailable}); the per-client limits count their
   * own refusals.
   */
  public Map<String, Long> refused() {
    Map<String, Long> out = new TreeMap<>();
    refused.forEach((code, n) -> out.put(code, n.sum()));
    return out;
  }
}
