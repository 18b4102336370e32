package dev.crier.node.subscribe;

import com.typesafe.config.Config;
import java.time.Duration;

/**
 * Limits and timings of SSE subscriptions, read once from {@code crier.subscribe}.
 *
 * @param maxTopics topics one subscription may name
 * @param heartbeat idle time after which a comment line keeps the connection alive
 * @param retry reconnection delay sent to clients in the stream's first {@code retry:} line
 * @param bufferSize events queued per subscriber (beyond bufferBytes) before it counts as too slow
 *     and is cut off
 * @param bufferBytes bytes of encoded events held per subscriber while its connection is busy
 * @param maxConnections open SSE connections this node accepts before answering 503
 * @param recentEvents latest events of a topic its hub keeps, to serve resumes and replays within
 *     them without asking the topic's owner
 * @param fanOutSlice subscribers of a topic an event is handed to before its hub lets the rest of
 *     the node run
 * @param drainWindow when the node drains, its streams are ended in batches spread over this long
 * @param drainLinger after the window, how long ended streams may write their last bytes, and then
 *     how long connections still open get before they are closed
 */
public record SubscribeSettings(
    int maxTopics,
    Duration heartbeat,
    Duration retry,
    int bufferSize,
    long bufferBytes,
    int maxConnections,
    int recentEvents,
    int fanOutSlice,
    Duration drainWindow,
    Duration drainLinger) {

  public SubscribeSettings {
    positive("max-topics", maxTopics);
    positive("buffer-size", bufferSize);
    positive("max-connections", maxConnections);
    positive("fan-out-slice", fanOutSlice);
    if (recentEvents < 0) {
      throw new IllegalArgumentException(
          "crier.subscribe.recent-events must be >= 0, was " + recentEvents);
    }
    positive("buffer-bytes", (int) Math.min(Integer.MAX_VALUE, bufferBytes));
    if (drainWindow.isNegative()) {
      throw new IllegalArgumentException("crier.drain.window must not be negative");
    }
    if (drainLinger.isNegative()) {
      throw new IllegalArgumentException("crier.drain.linger must not be negative");
    }
    if (heartbeat.isNegative() || heartbeat.isZero()) {
      throw new IllegalArgumentException("crier.subscribe.heartbeat must be positive");
    }
  }

  public static SubscribeSettings create(Config root) {
    Config c = root.getConfig("crier.subscribe");
    return new SubscribeSettings(
        c.getInt("max-topics"),
        c.getDuration("heartbeat"),
        c.getDuration("retry"),
        c.getInt("buffer-size"),
        c.getBytes("buffer-bytes"),
        c.getInt("max-connections"),
        c.getInt("recent-events"),
        c.getInt("fan-out-slice"),
        root.getDuration("crier.drain.window"),
        root.getDuration("crier.drain.linger"));
  }

  /**
   * These settings with the queue no longer than half of what history keeps per topic: a subscriber
   * cut off for lagging then resumes from history with its last id and loses nothing, the other
   * half covering what its joined write and socket held.
   */
  public SubscribeSettings resumableWithin(int historyEvents) {
    int bounded = Math.max(1, Math.min(bufferSize, historyEvents / 2));
    return bounded == bufferSize
        ? this
        : new SubscribeSettings(
            maxTopics,
            heartbeat,
            retry,
            bounded,
            bufferBytes,
            maxConnections,
            recentEvents,
            fanOutSlice,
            drainWindow,
            drainLinger);
  }

  private static void positive(String key, int value) {
    if (value < 1) {
      throw new IllegalArgumentException("crier.subscribe." + key + " must be >= 1, was " + value);
    }
  }
}
