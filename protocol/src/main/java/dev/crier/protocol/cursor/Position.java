package dev.crier.protocol.cursor;

/**
 * A place in one topic's sequence.
 *
 * @param epoch the incarnation of the topic's sequencer (positive)
 * @param seq the number of the last event seen; 0 is before the first event
 */
public record Position(long epoch, long seq) {

  public Position {
    if (epoch <= 0) {
      throw new InvalidCursorException("cursor epoch must be positive");
    }
    if (seq < 0) {
      throw new InvalidCursorException("cursor sequence must be >= 0");
    }
  }

  /** Reads {@code base36(epoch)-base36(seq)}. */
  public static Position parse(String text) {
    if (text == null || text.isEmpty()) {
      throw new InvalidCursorException("cursor is empty");
    }
    return parse(text, 0, text.length());
  }

  static Position parse(String text, int from, int to) {
    int dash = text.indexOf('-', from);
    if (dash < 0 || dash >= to) {
      throw new InvalidCursorException("cursor must look like <epoch>-<seq> in base 36");
    }
    return new Position(base36(text, from, dash), base36(text, dash + 1, to));
  }

  private static long base36(String text, int from, int to) {
    if (from == to || to - from > 13) {
      throw new InvalidCursorException("cursor must look like <epoch>-<seq> in base 36");
    }
    long value = 0;
    for (int i = from; i < to; i++) {
      char c = text.charAt(i);
      int digit = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'z' ? c - 'a' + 10 : -1;
      if (digit < 0 || value > (Long.MAX_VALUE - digit) / 36) {
        throw new InvalidCursorException("cursor must look like <epoch>-<seq> in base 36");
      }
      value = value * 36 + digit;
    }
    return value;
  }

  void appendTo(StringBuilder out) {
    out.append(Long.toString(epoch, 36)).append('-').append(Long.toString(seq, 36));
  }

  @Override
  public String toString() {
    StringBuilder out = new StringBuilder(24);
    appendTo(out);
    return out.toString();
  }
}
