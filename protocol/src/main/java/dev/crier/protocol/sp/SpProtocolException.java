package dev.crier.protocol.sp;

/** A peer broke the SP wire; the connection it came on must be closed. */
public final class SpProtocolException extends RuntimeException {

  /** What was wrong, for counting. */
  public enum Reason {
    BAD_MAGIC,
    RESERVED_NOT_ZERO,
    UNKNOWN_PROTOCOL,
    INCOMPATIBLE_PEER,
    OVERSIZE,
    TRUNCATED
  }

  private final Reason reason;

  public SpProtocolException(Reason reason, String message) {
    super(message, null, false, false);
    this.reason = reason;
  }

  public Reason reason() {
    return reason;
  }
}
