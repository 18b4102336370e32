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
  PUSHPIN,
  /**
   * Crier's channels, one per topic ({@link ChannelAddresses}): {@code GET /channels/{consumer}},
   * one {@code POST /channels/{producer}/s} per event.
   */
  CRIER_CHANNELS;

  static Server parse(String name) {
    try {
      return valueOf(name.toUpperCase(Locale.ROOT).replace('-', '_'));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "--server must be crier, crier-channels, nchan or pushpin, was " + name);
    }
  }

  /** Whether the server is a Crier node (its heap can be measured). */
  boolean crier() {
    return this == CRIER || this == CRIER_CHANNELS;
  }

  /** Whether each event is its own publish request (no batches). */
  boolean onePerRequest() {
    return this == NCHAN || this == CRIER_CHANNELS;
  }

  String subscribePath(String topic) {
    return switch (this) {
      case NCHAN -> "/sub/" + topic;
      case CRIER_CHANNELS -> "/channels/" + ChannelAddresses.consumer(topic);
      case CRIER, PUSHPIN -> "/events/" + topic;
    };
  }

  /**
   * Where a WebSocket subscriber connects: Crier's {@code /ws} (the topic follows in a subscribe
   * frame), Nchan's {@code /ws/{topic}}; Pushpin is not driven over WebSockets.
   */
  String webSocketPath(String topic) {
    return switch (this) {
      case CRIER -> "/ws";
      case NCHAN -> "/ws/" + topic;
      case PUSHPIN, CRIER_CHANNELS ->
          throw new IllegalArgumentException("--transport ws runs against crier or nchan");
    };
  }

  String label() {
    return name().toLowerCase(Locale.ROOT).replace('_', '-');
  }
}
