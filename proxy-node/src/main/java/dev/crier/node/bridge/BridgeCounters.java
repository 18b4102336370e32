package dev.crier.node.bridge;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * What the bridge has done, counted without locks from the links, the inbound connections and the
 * transport; read by management (and by the metrics of the operations issue).
 */
public final class BridgeCounters {

  /** Traffic to one peer node, keyed by its cluster address. */
  public static final class Peer {
    final LongAdder frames = new LongAdder();
    final LongAdder bytes = new LongAdder();
    final LongAdder drops = new LongAdder();
    final LongAdder reconnects = new LongAdder();
    final LongAdder viaArtery = new LongAdder();

    public long frames() {
      return frames.sum();
    }

    public long bytes() {
      return bytes.sum();
    }

    /** Messages refused by a full send queue (the peer's hubs recover them from history). */
    public long drops() {
      return drops.sum();
    }

    public long reconnects() {
      return reconnects.sum();
    }

    /** Events sent over Artery because no link to the peer was up yet. */
    public long viaArtery() {
      return viaArtery.sum();
    }
  }

  private final Map<String, Peer> peers = new ConcurrentHashMap<>();
  private final Map<String, LongAdder> refused = new ConcurrentHashMap<>();
  private final Map<String, LongAdder> ingestRejected = new ConcurrentHashMap<>();
  final LongAdder sequenced = new LongAdder();
  final LongAdder inboundFrames = new LongAdder();
  final LongAdder inboundBytes = new LongAdder();
  final LongAdder ingestAccepted = new LongAdder();
  final LongAdder tapFrames = new LongAdder();
  final LongAdder tapDrops = new LongAdder();
  final AtomicInteger tapSubscribers = new AtomicInteger();

  Peer peer(String address) {
    return peers.computeIfAbsent(address, a -> new Peer());
  }

  void refused(String reason) {
    refused.computeIfAbsent(reason, r -> new LongAdder()).increment();
  }

  void ingestRejected(String reason) {
    ingestRejected.computeIfAbsent(reason, r -> new LongAdder()).increment();
  }

  public Map<String, Peer> peers() {
    return new TreeMap<>(peers);
  }

  /** Connections closed at the handshake or for a protocol error, by reason. */
  public Map<String, Long> refused() {
    return sums(refused);
  }

  public Map<String, Long> ingestRejected() {
    return sums(ingestRejected);
  }

  /** Events sequenced by the topic owners on this node (each passes the transport once). */
  public long sequenced() {
    return sequenced.sum();
  }

  public long inboundFrames() {
    return inboundFrames.sum();
  }

  public long inboundBytes() {
    return inboundBytes.sum();
  }

  public long ingestAccepted() {
    return ingestAccepted.sum();
  }

  public long tapFrames() {
    return tapFrames.sum();
  }

  public long tapDrops() {
    return tapDrops.sum();
  }

  public int tapSubscribers() {
    return tapSubscribers.get();
  }

  private static Map<String, Long> sums(Map<String, LongAdder> counters) {
    Map<String, Long> out = new TreeMap<>();
    counters.forEach((k, v) -> out.put(k, v.sum()));
    return out;
  }
}
