package dev.crier.node.subscribe;

/**
 * Why an SSE stream ended: the {@code reason} label of {@code crier_sse_disconnects_total}, and
 * whether the client is expected to come back.
 */
public enum DisconnectReason {
  /** The client closed the connection, or it broke. */
  CLIENT_GONE("client_gone", true),
  /** The client lagged by more than its buffer; it resumes from history with its last id. */
  SLOW_CONSUMER("slow_consumer", true),
  /** The node is draining; the client reconnects elsewhere. */
  DRAINED("drained", true),
  /**
   * A reconnect by the same subject, resuming the same topics, took its place when a connection
   * limit would have refused the newcomer: the old connection was dead without having said so.
   */
  REPLACED("replaced", false),
  /** The stream's token was revoked. */
  REVOKED("revoked", false),
  /** The stream's feed failed (its topic's history could not be read, for one). */
  FAILED("failed", true);

  private final String code;
  private final boolean reconnects;

  DisconnectReason(String code, boolean reconnects) {
    this.code = code;
    this.reconnects = reconnects;
  }

  /** The metric label and log word. */
  public String code() {
    return code;
  }

  /** Whether a well-behaved client reconnects after this. */
  public boolean reconnects() {
    return reconnects;
  }
}
