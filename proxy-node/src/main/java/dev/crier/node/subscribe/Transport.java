package dev.crier.node.subscribe;

/**
 * What carries a subscriber's connection: the {@code transport} label of the connection metrics.
 */
public enum Transport {
  SSE("sse"),
  WEBSOCKET("ws");

  private final String label;

  Transport(String label) {
    this.label = label;
  }

  /** The metric label. */
  public String label() {
    return label;
  }
}
