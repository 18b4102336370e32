package dev.crier.protocol.topic;

/**
 * The topic naming rule: 1 to 256 bytes, each a letter, a digit or one of {@code
 * ._~:@!$&'()*+,;=/-} — characters that are safe unescaped in a URL path, and that need no escaping
 * in JSON, SSE fields or the bridge envelope.
 */
public final class TopicName {
  public static final int MAX_LENGTH = 256;
  public static final String RULE =
      "topic must be 1-" + MAX_LENGTH + " bytes of [A-Za-z0-9._~:@!$&'()*+,;=/-]";

  private static final boolean[] ALLOWED = new boolean[128];

  static {
    for (char c = 'a'; c <= 'z'; c++) {
      ALLOWED[c] = true;
      ALLOWED[Character.toUpperCase(c)] = true;
    }
    for (char c = '0'; c <= '9'; c++) {
      ALLOWED[c] = true;
    }
    for (char c : "._~:@!$&'()*+,;=/-".toCharArray()) {
      ALLOWED[c] = true;
    }
  }

  private TopicName() {}

  public static boolean isValid(String topic) {
    return problem(topic) == null;
  }

  /** Returns the topic when valid; otherwise throws, naming the rule and what broke it. */
  public static String validate(String topic) {
    String problem = problem(topic);
    if (problem != null) {
      throw new InvalidTopicException(RULE + "; " + problem);
    }
    return topic;
  }

  static boolean allowed(char c) {
    return c < 128 && ALLOWED[c];
  }

  private static String problem(String topic) {
    if (topic == null || topic.isEmpty()) {
      return "it is empty";
    }
    if (topic.length() > MAX_LENGTH) {
      return "it is " + topic.length() + " characters long";
    }
    for (int i = 0; i < topic.length(); i++) {
      char c = topic.charAt(i);
      if (!allowed(c)) {
        return String.format("character U+%04X at index %d is not allowed", (int) c, i);
      }
    }
    return null;
  }
}
