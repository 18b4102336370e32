package dev.crier.protocol.sse;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Encodes Server-Sent Events frames as UTF-8 bytes.
 *
 * <p>Data is split on CRLF, CR and LF into one {@code data:} line each, which a WHATWG parser joins
 * back with LF. Ids and types cannot carry line breaks (nor ids NUL, which makes a parser ignore
 * them), so such values are refused rather than silently cut: a header-injection guard.
 */
public final class SseEncoder {
  private static final byte[] ID = bytes("id: ");
  private static final byte[] EVENT = bytes("event: ");
  private static final byte[] DATA = bytes("data: ");

  private SseEncoder() {}

  /**
   * One event, ending with the blank line that dispatches it.
   *
   * @param id the event id, or null for none
   * @param type the event type, or null for the default ("message")
   */
  public static byte[] event(String id, String type, String data) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(data.length() + 32);
    if (id != null) {
      out.writeBytes(idField(id));
    }
    if (type != null) {
      checkNoLineBreak("type", type);
      out.writeBytes(EVENT);
      out.writeBytes(bytes(type));
      out.write('\n');
    }
    writeLines(out, DATA, data);
    out.write('\n');
    return out.toByteArray();
  }

  /** An {@code id:} line alone, to put in front of a frame encoded without id. */
  public static byte[] idField(String id) {
    checkNoLineBreak("id", id);
    if (id.indexOf('\0') >= 0) {
      throw new IllegalArgumentException("SSE id cannot contain NUL");
    }
    byte[] value = bytes(id);
    byte[] line = new byte[ID.length + value.length + 1];
    System.arraycopy(ID, 0, line, 0, ID.length);
    System.arraycopy(value, 0, line, ID.length, value.length);
    line[line.length - 1] = '\n';
    return line;
  }

  /** A {@code retry:} instruction: the client's reconnection delay. */
  public static byte[] retry(long millis) {
    if (millis < 0) {
      throw new IllegalArgumentException("retry must be >= 0, was " + millis);
    }
    return bytes("retry: " + millis + "\n\n");
  }

  /** A comment (one {@code :} line per line of text), ignored by clients; used as heartbeat. */
  public static byte[] comment(String text) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(text.length() + 4);
    if (text.isEmpty()) {
      out.write(':');
      out.write('\n');
    } else {
      writeLines(out, new byte[] {':', ' '}, text);
    }
    out.write('\n');
    return out.toByteArray();
  }

  private static void writeLines(ByteArrayOutputStream out, byte[] prefix, String text) {
    int start = 0;
    int n = text.length();
    for (int i = 0; i < n; i++) {
      char c = text.charAt(i);
      if (c == '\r' || c == '\n') {
        writeLine(out, prefix, text.substring(start, i));
        if (c == '\r' && i + 1 < n && text.charAt(i + 1) == '\n') {
          i++;
        }
        start = i + 1;
      }
    }
    writeLine(out, prefix, text.substring(start));
  }

  private static void writeLine(ByteArrayOutputStream out, byte[] prefix, String line) {
    out.writeBytes(prefix);
    out.writeBytes(bytes(line));
    out.write('\n');
  }

  private static void checkNoLineBreak(String field, String value) {
    if (value.indexOf('\n') >= 0 || value.indexOf('\r') >= 0) {
      throw new IllegalArgumentException("SSE " + field + " cannot contain CR or LF");
    }
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
