package dev.crier.protocol.envelope;

/** A message that is not a valid envelope; the message says what is wrong with it. */
public final class EnvelopeException extends IllegalArgumentException {

  public EnvelopeException(String message) {
    super(message);
  }
}
