package dev.crier.node.topic;

import com.typesafe.config.Config;
import java.time.Duration;

/**
 * Limits and timings of a {@link TopicHub}, read once from the keys named below.
 *
 * @param bufferSize events queued per subscriber before it counts as too slow ({@code
 *     crier.subscribe.buffer-size}, at most half of {@code crier.history.max-events}: see {@link
 *     #resumableBufferSize})
 * @param historyLimit events one read of the owner's history returns at most, and events held back
 *     while a gap is repaired ({@code crier.history.max-events})
 * @param recentEvents latest frames kept to serve resumes and replays without the owner ({@code
 *     crier.subscribe.recent-events})
 * @param fanOutSlice subscribers a frame is offered to before the hub lets others run ({@code
 *     crier.subscribe.fan-out-slice})
 * @param ownerTimeout how long a read of the owner may take ({@code crier.publish.timeout})
 * @param resyncInterval how soon the hub asks the owner again for anything it missed, which also
 *     announces this node to an owner that has moved ({@code crier.cluster.hub-resync-interval})
 * @param resyncMaxInterval the interval doubles after each ask that finds nothing missing, up to
 *     this; an ask that finds something, or a gap seen live, brings it back to resyncInterval
 *     ({@code crier.cluster.hub-resync-max-interval})
 */
public record TopicHubSettings(
    int bufferSize,
    int historyLimit,
    int recentEvents,
    int fanOutSlice,
    Duration ownerTimeout,
    Duration resyncInterval,
    Duration resyncMaxInterval) {

  public TopicHubSettings {
    if (fanOutSlice < 1) {
      throw new IllegalArgumentException(
          "crier.subscribe.fan-out-slice must be >= 1, was " + fanOutSlice);
    }
    if (recentEvents < 0) {
      throw new IllegalArgumentException(
          "crier.subscribe.recent-events must be >= 0, was " + recentEvents);
    }
    if (resyncMaxInterval.compareTo(resyncInterval) < 0) {
      throw new IllegalArgumentException(
          "crier.cluster.hub-resync-max-interval must be >= hub-resync-interval");
    }
  }

  public static TopicHubSettings create(Config root) {
    int historyLimit = root.getInt("crier.history.max-events");
    return new TopicHubSettings(
        resumableBufferSize(root.getInt("crier.subscribe.buffer-size"), historyLimit),
        historyLimit,
        root.getInt("crier.subscribe.recent-events"),
        root.getInt("crier.subscribe.fan-out-slice"),
        root.getDuration("crier.publish.timeout"),
        root.getDuration("crier.cluster.hub-resync-interval"),
        root.getDuration("crier.cluster.hub-resync-max-interval"));
  }

  /**
   * A subscriber's queue no larger than half of what history keeps, so that one cut off for lagging
   * can resume from history without loss.
   */
  public static int resumableBufferSize(int configured, int historyEvents) {
    return Math.max(1, Math.min(configured, historyEvents / 2));
  }
}
