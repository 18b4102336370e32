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

  /**
   * Where a WebSocket subscriber connects: Crier's {@code /ws} (the topic follows in a subscribe
   * frame), Nchan's {@code /ws/{topic}}; Pushpin is not driven over WebSockets.
   */
  String webSocketPath(String topic) {
    return switch (this) {
      case CRIER -> "/ws";
      case NCHAN -> "/ws/" + topic;
      case PUSHPIN ->
          throw new IllegalArgumentException("--transport ws runs against crier or nchan");
    };
  }

  String label() {
    return name().toLowerCase(Locale.ROOT);
  }
}
