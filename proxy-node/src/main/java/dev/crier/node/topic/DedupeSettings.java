package dev.crier.node.topic;

import com.typesafe.config.Config;
import java.time.Duration;

/**
 * How long and how many idempotency keys each topic's owner remembers.
 *
 * @param window a key repeated within this time yields the first event's id
 * @param maxKeys keys remembered per topic; beyond it the oldest are forgotten early
 */
public record DedupeSettings(Duration window, int maxKeys) {

  public DedupeSettings {
    if (maxKeys < 0) {
      throw new IllegalArgumentException("crier.publish.dedupe-max-keys must be >= 0");
    }
  }

  /** Reads the dedupe keys of {@code crier.publish} from the root configuration. */
  public static DedupeSettings create(Config root) {
    Config c = root.getConfig("crier.publish");
    return new DedupeSettings(c.getDuration("dedupe-window"), c.getInt("dedupe-max-keys"));
  }
}
