package dev.crier.node.publish;

import com.typesafe.config.Config;
import java.time.Duration;

/**
 * Limits of publishing, read once from {@code crier.publish}.
 *
 * @param maxBytes largest event data, in bytes of UTF-8
 * @param maxBatchEvents events one {@code POST /publish} may carry
 * @param maxBatchBytes largest {@code POST /publish} body
 * @param timeout how long a publish waits for its topic's owner (then 504; 503 for reads) and for
 *     its body (then 408)
 * @param maxScheduleAhead how far in the future an event may be scheduled
 */
public record PublishSettings(
    int maxBytes,
    int maxBatchEvents,
    int maxBatchBytes,
    Duration timeout,
    Duration maxScheduleAhead) {

  public PublishSettings {
    if (maxBytes < 1 || maxBatchEvents < 1 || maxBatchBytes < maxBytes) {
      throw new IllegalArgumentException(
          "crier.publish: max-bytes and max-batch-events must be >= 1 and max-batch-bytes >="
              + " max-bytes");
    }
  }

  public static PublishSettings create(Config root) {
    Config c = root.getConfig("crier.publish");
    return new PublishSettings(
        (int) c.getBytes("max-bytes").longValue(),
        c.getInt("max-batch-events"),
        (int) c.getBytes("max-batch-bytes").longValue(),
        c.getDuration("timeout"),
        c.getDuration("max-schedule-ahead"));
  }
}
