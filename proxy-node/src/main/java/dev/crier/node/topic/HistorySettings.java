package dev.crier.node.topic;

import com.typesafe.config.Config;
import java.time.Duration;

/**
 * How much of each topic's past its owner keeps, for resume, replay and the history API.
 *
 * @param maxEvents events kept per topic (the oldest are dropped first)
 * @param maxAge events older than this are dropped even when fewer than maxEvents are kept
 */
public record HistorySettings(int maxEvents, Duration maxAge) {

  public HistorySettings {
    if (maxEvents < 1) {
      throw new IllegalArgumentException("crier.history.max-events must be >= 1, was " + maxEvents);
    }
    if (maxAge.isNegative() || maxAge.isZero()) {
      throw new IllegalArgumentException("crier.history.max-age must be positive, was " + maxAge);
    }
  }

  /** Reads {@code crier.history} from the root configuration. */
  public static HistorySettings create(Config root) {
    Config c = root.getConfig("crier.history");
    return new HistorySettings(c.getInt("max-events"), c.getDuration("max-age"));
  }
}
