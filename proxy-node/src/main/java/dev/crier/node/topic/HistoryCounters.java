package dev.crier.node.topic;

import java.util.concurrent.atomic.LongAdder;

/** Events held in the histories of the topic owners on this node, for metrics; thread-safe. */
public final class HistoryCounters {
  private final LongAdder retained = new LongAdder();

  void changed(long delta) {
    retained.add(delta);
  }

  /** Events kept for resume, replay and the history API by this node's owners. */
  public long retainedEvents() {
    return retained.sum();
  }
}
