package dev.crier.protocol.sse;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * An incremental parser for {@code text/event-stream}, following the WHATWG HTML "event stream
 * interpretation" algorithm: a leading BOM is dropped, lines end with CRLF, CR or LF (also when a
 * CRLF is split between two reads), {@code :} lines are comments, an {@code id} holding NUL is
 * ignored, {@code retry} must be all ASCII digits, and an event is dispatched at a blank line only
 * if it has data. An unfinished event at the end of the stream is never dispatched.
 *
 * <p>It works on bytes and decodes a line only once it is complete, so a multi-byte character split
 * between reads decodes correctly; invalid UTF-8 becomes U+FFFD. One instance per stream; not
 * thread-safe.
 */
public final class SseParser {

  /** Receives what the stream carries. */
  public interface Listener {
    void onEvent(SseEvent event);

    default void onRetry(long millis) {}

    default void onComment(String text) {}
  }

  private static final byte CR = '\r';
  private static final byte LF = '\n';

  private final Listener listener;
  private byte[] line = new byte[256];
  private int lineLength;
  private boolean skipNextLf;
  private boolean firstLine = true;
  private final StringBuilder data = new StringBuilder();
  private boolean hasData;
  private String type;
  private String lastEventId = "";

  public SseParser(Listener listener) {
    this.listener = listener;
  }

  /** The last event id the stream has set, "" before any. */
  public String lastEventId() {
    return lastEventId;
  }

  public void feed(byte[] bytes) {
    feed(bytes, 0, bytes.length);
  }

  public void feed(ByteBuffer buffer) {
    if (buffer.hasArray()) {
      int start = buffer.arrayOffset() + buffer.position();
      feed(buffer.array(), start, buffer.remaining());
      buffer.position(buffer.limit());
    } else {
      byte[] copy = new byte[buffer.remaining()];
      buffer.get(copy);
      feed(copy);
    }
  }

  public void feed(byte[] bytes, int offset, int length) {
    int end = offset + length;
    int start = offset;
    for (int i = offset; i < end; i++) {
      byte b = bytes[i];
      if (b != CR && b != LF) {
        continue;
      }
      if (b == LF && skipNextLf && i == start && lineLength == 0) {
        skipNextLf = false;
        start = i + 1;
        continue;
      }
      append(bytes, start, i - start);
      skipNextLf = b == CR;
      line();
      start = i + 1;
    }
    if (start < end) {
      skipNextLf = false;
      append(bytes, start, end - start);
    }
  }

  private void append(byte[] bytes, int from, int count) {
    if (count == 0) {
      return;
    }
    if (lineLength + count > line.length) {
      line = Arrays.copyOf(line, Math.max(line.length * 2, lineLength + count));
    }
    System.arraycopy(bytes, from, line, lineLength, count);
    lineLength += count;
  }

  private void line() {
    int from = 0;
    if (firstLine) {
      firstLine = false;
      if (lineLength >= 3
          && line[0] == (byte) 0xEF
          && line[1] == (byte) 0xBB
          && line[2] == (byte) 0xBF) {
        from = 3;
      }
    }
    int length = lineLength - from;
    lineLength = 0;
    if (length == 0) {
      dispatch();
      return;
    }
    if (line[from] == ':') {
      int text = length > 1 && line[from + 1] == ' ' ? from + 2 : from + 1;
      listener.onComment(decode(text, from + length - text));
      return;
    }
    int colon = indexOf((byte) ':', from, from + length);
    int nameEnd = colon < 0 ? from + length : colon;
    int valueFrom = colon < 0 ? from + length : colon + 1;
    if (valueFrom < from + length && line[valueFrom] == ' ') {
      valueFrom++;
    }
    field(from, nameEnd - from, valueFrom, from + length - valueFrom);
  }

  private void field(int name, int nameLength, int value, int valueLength) {
    if (is(name, nameLength, "data")) {
      data.append(decode(value, valueLength)).append('\n');
      hasData = true;
    } else if (is(name, nameLength, "event")) {
      type = decode(value, valueLength);
    } else if (is(name, nameLength, "id")) {
      if (indexOf((byte) 0, value, value + valueLength) < 0) {
        lastEventId = decode(value, valueLength);
      }
    } else if (is(name, nameLength, "retry")) {
      retry(value, valueLength);
    }
  }

  private void retry(int value, int valueLength) {
    if (valueLength == 0) {
      return;
    }
    long millis = 0;
    for (int i = value; i < value + valueLength; i++) {
      int digit = line[i] - '0';
      if (digit < 0 || digit > 9) {
        return;
      }
      if (millis > (Long.MAX_VALUE - digit) / 10) {
        return;
      }
      millis = millis * 10 + digit;
    }
    listener.onRetry(millis);
  }

  private void dispatch() {
    if (!hasData) {
      type = null;
      return;
    }
    data.setLength(data.length() - 1);
    SseEvent event = new SseEvent(type == null ? "message" : type, data.toString(), lastEventId);
    data.setLength(0);
    hasData = false;
    type = null;
    listener.onEvent(event);
  }

  private boolean is(int from, int length, String name) {
    if (length != name.length()) {
      return false;
    }
    for (int i = 0; i < length; i++) {
      if (line[from + i] != name.charAt(i)) {
        return false;
      }
    }
    return true;
  }

  private int indexOf(byte b, int from, int to) {
    for (int i = from; i < to; i++) {
      if (line[i] == b) {
        return i;
      }
    }
    return -1;
  }

  private String decode(int from, int length) {
    return new String(line, from, length, StandardCharsets.UTF_8);
  }
}
