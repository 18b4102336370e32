package dev.crier.loadtest;

import java.util.Locale;

/**
 * The servers the load generator can drive, and how each is subscribed to. Publishing differs more
 * and lives in {@link Publisher}.
 */
enum Server {
  /** Crier: {@code GET /events/{topic}}, batches to {@code POST /publish}. */
  CRIER,
  /** nginx with Nchan: {@code GET /sub/{topic}}, one {@code POST /pub/{topic}} per event. */
  NCHAN,
  /** Pushpin in front of a GRIP origin: {@code GET /events/{topic}}, batches to its publish API. */
  PUSHPIN;

  static Server parse(String name) {
    try {
      return valueOf(name.toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("--server must be crier, nchan or pushpin, was " + name);
    }
  }

  String subscribePath(String topic) {
    return this == NCHAN ? "/sub/" + topic : "/events/" + topic;
  }

  String label() {
    return name().toLowerCase(Locale.ROOT);
  }
}
