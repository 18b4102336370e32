package dev.crier.node.subscribe;

import com.typesafe.config.Config;
import dev.crier.node.topic.TopicHubSettings;
import java.time.Duration;

/**
 * Limits and timings of SSE subscriptions, read once from {@code crier.subscribe}.
 *
 * @param maxTopics topics one subscription may name
 * @param heartbeat idle time after which a comment line keeps the connection alive
 * @param retry reconnection delay sent to clients in the stream's first {@code retry:} line
 * @param bufferSize events queued per subscriber (beyond bufferBytes) before it counts as too slow
 *     and is cut off: {@code buffer-size}, lowered to half of {@code crier.history.max-events} if
 *     larger (see {@link TopicHubSettings#resumableBufferSize})
 * @param configuredBufferSize {@code buffer-size} as configured
 * @param bufferBytes bytes of encoded events held per subscriber while its connection is busy
 * @param maxConnections open SSE connections this node accepts before answering 503
 * @param drainWindow when the node drains, its streams are ended in batches spread over this long
 * @param drainLinger after the window, how long ended streams may write their last bytes, and then
 *     how long connections still open get before they are closed
 */
public record SubscribeSettings(
    int maxTopics,
    Duration heartbeat,
    Duration retry,
    int bufferSize,
    int configuredBufferSize,
    long bufferBytes,
    int maxConnections,
    Duration drainWindow,
    Duration drainLinger) {

  public SubscribeSettings {
    positive("max-topics", maxTopics);
    positive("buffer-size", configuredBufferSize);
    positive("max-connections", maxConnections);
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
        TopicHubSettings.resumableBufferSize(
            c.getInt("buffer-size"), root.getInt("crier.history.max-events")),
        c.getInt("buffer-size"),
        c.getBytes("buffer-bytes"),
        c.getInt("max-connections"),
        root.getDuration("crier.drain.window"),
        root.getDuration("crier.drain.linger"));
  }

  private static void positive(String key, int value) {
    if (value < 1) {
      throw new IllegalArgumentException("crier.subscribe." + key + " must be >= 1, was " + value);
    }
  }
}
