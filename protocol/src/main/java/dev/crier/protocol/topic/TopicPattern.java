package dev.crier.protocol.topic;

/**
 * A grant of topics in a token: an exact topic name, or a prefix followed by {@code *} that matches
 * every topic starting with it ({@code orders/*}; {@code *} alone matches all topics).
 *
 * @param prefix the exact name, or the prefix before the trailing {@code *}
 * @param wildcard whether the pattern ended with {@code *}
 */
public record TopicPattern(String prefix, boolean wildcard) {

  public static TopicPattern parse(String pattern) {
    if (pattern == null || pattern.isEmpty()) {
      throw new InvalidTopicException("topic pattern is empty");
    }
    if (pattern.endsWith("*")) {
      String prefix = pattern.substring(0, pattern.length() - 1);
      if (!prefix.isEmpty()) {
        TopicName.validate(prefix);
      }
      return new TopicPattern(prefix, true);
    }
    return new TopicPattern(TopicName.validate(pattern), false);
  }

  public boolean matches(String topic) {
    return wildcard ? topic.startsWith(prefix) : topic.equals(prefix);
  }

  @Override
  public String toString() {
    return wildcard ? prefix + "*" : prefix;
  }
}
