package dev.crier.protocol.cursor;

/** A cursor that cannot be read, or does not belong to the subscription; the message says why. */
public final class InvalidCursorException extends IllegalArgumentException {

  public InvalidCursorException(String message) {
    super(message);
  }
}
