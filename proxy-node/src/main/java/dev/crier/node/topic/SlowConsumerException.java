package dev.crier.node.topic;

/** Ends a subscriber's stream whose buffer overflowed because it did not read fast enough. */
public final class SlowConsumerException extends RuntimeException {

  public SlowConsumerException(String topic) {
    super("subscriber too slow for topic " + topic + ": buffer full", null, false, false);
  }
}
