package dev.crier.node.http;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import org.apache.pekko.http.javadsl.server.PathMatcher1;
import org.apache.pekko.http.javadsl.server.PathMatchers;

/**
 * A topic taken from a URL path. A topic may hold '/' ({@code /events/orders/eu}), so it is the
 * whole rest of the path, not one segment; an escaped slash ({@code %2F}) is a slash of the topic
 * too. Pekko resolves the URI's own dot segments before routing; an escaped {@code ..} stays part
 * of the name. Percent-escapes are decoded; unlike form decoding, '+' stays '+': it is a legal
 * topic character. Whether the name is a valid topic is the caller's check (400 {@code
 * invalid_topic}).
 */
public final class PathTopic {
  /**
   * Matches the rest of the path and extracts it as a topic (possibly empty): Pekko's {@code
   * remaining()} gives the path still encoded, which {@link #decode} decodes.
   */
  public static final PathMatcher1<String> REMAINING =
      PathMatchers.remaining().map(PathTopic::decodeOrRaw);

  private PathTopic() {}

  private static String decodeOrRaw(String raw) {
    String topic = decode(raw);
    return topic == null ? raw : topic;
  }

  /** The decoded text, or null when an escape is malformed or the raw text is not ASCII. */
  public static String decode(String raw) {
    if (raw.indexOf('%') < 0) {
      return raw;
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream(raw.length());
    for (int i = 0; i < raw.length(); i++) {
      char c = raw.charAt(i);
      if (c > 0x7f) {
        return null;
      }
      if (c != '%') {
        out.write(c);
        continue;
      }
      if (i + 2 >= raw.length()) {
        return null;
      }
      int hi = Character.digit(raw.charAt(i + 1), 16);
      int lo = Character.digit(raw.charAt(i + 2), 16);
      if (hi < 0 || lo < 0) {
        return null;
      }
      out.write(hi * 16 + lo);
      i += 2;
    }
    return out.toString(StandardCharsets.UTF_8);
  }
}
