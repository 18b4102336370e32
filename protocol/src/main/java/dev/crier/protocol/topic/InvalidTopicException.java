package dev.crier.protocol.topic;

/** A topic name or grant pattern that breaks the naming rule; the message says how. */
public final class InvalidTopicException extends IllegalArgumentException {

  public InvalidTopicException(String message) {
    super(message);
  }
}
