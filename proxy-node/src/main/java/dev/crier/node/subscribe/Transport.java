package dev.crier.node.subscribe;

/** What a subscriber's connection is: the {@code transport} label of the connection metrics. */
public enum Transport {
  SSE("sse"),
  WEBSOCKET("ws"),
  /** A channel's reader: an SSE stream of one channel rather than of topics. */
  CHANNEL("channel");

  private final String label;

  Transport(String label) {
    this.label = label;
  }

  /** The metric label. */
  public String label() {
    return label;
  }
}
