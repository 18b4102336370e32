package dev.crier.node.channel;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/** What this node's channels count, for the metrics; thread-safe. */
public final class ChannelCounters {
  private final AtomicLong open = new AtomicLong();
  private final AtomicLong buffered = new AtomicLong();
  private final AtomicLong waiting = new AtomicLong();
  private final LongAdder created = new LongAdder();
  private final LongAdder expired = new LongAdder();
  private final LongAdder refusedFull = new LongAdder();
  private final LongAdder refusedUnknown = new LongAdder();

  void opened() {
    open.incrementAndGet();
  }

  void stopped() {
    open.decrementAndGet();
  }

  void created() {
    created.increment();
  }

  void expired() {
    expired.increment();
  }

  void buffered(long delta) {
    buffered.addAndGet(delta);
  }

  void waiting(long delta) {
    waiting.addAndGet(delta);
  }

  void refusedFull() {
    refusedFull.increment();
  }

  void refusedUnknown() {
    refusedUnknown.increment();
  }

  /** Channels held by this node right now. */
  public long open() {
    return open.get();
  }

  /** Messages those channels hold. */
  public long buffered() {
    return buffered.get();
  }

  /** Writes waiting for room in a full buffer of this node's channels. */
  public long waitingWrites() {
    return waiting.get();
  }

  /** Channels created through this node. */
  public long createdTotal() {
    return created.sum();
  }

  /** Channels deleted for not being read within their ttl. */
  public long expiredTotal() {
    return expired.sum();
  }

  /** Writes refused because the buffer stayed full for the write timeout. */
  public long refusedFullTotal() {
    return refusedFull.sum();
  }

  /** Writes refused because their address opens no channel. */
  public long refusedUnknownTotal() {
    return refusedUnknown.sum();
  }
}
