package dev.crier.protocol.sp;

import java.nio.ByteBuffer;
import java.util.function.Consumer;

/**
 * Splits a connection's bytes into SP message bodies, however they are chunked. The length is
 * checked against the limit before anything is allocated for the body, so a peer cannot make it
 * allocate more than {@code maxMessageBytes}. One instance per connection; not thread-safe; once it
 * has thrown it throws again on any further input, and the connection must be closed.
 */
public final class SpFrameDecoder {
  private final int maxMessageBytes;
  private final byte[] prefix = new byte[SpWire.LENGTH_PREFIX];
  private int prefixFilled;
  private byte[] body;
  private int bodyFilled;

  public SpFrameDecoder(int maxMessageBytes) {
    if (maxMessageBytes < 0) {
      throw new IllegalArgumentException("maxMessageBytes must be >= 0");
    }
    this.maxMessageBytes = maxMessageBytes;
  }

  /** Consumes all of {@code input}, handing each complete message body to {@code messages}. */
  public void feed(ByteBuffer input, Consumer<byte[]> messages) {
    while (input.hasRemaining()) {
      if (body == null) {
        int n = Math.min(SpWire.LENGTH_PREFIX - prefixFilled, input.remaining());
        input.get(prefix, prefixFilled, n);
        prefixFilled += n;
        if (prefixFilled < SpWire.LENGTH_PREFIX) {
          return;
        }
        // The prefix stays full until it has passed the check: after an oversize length the
        // decoder is not at a message boundary and refuses every further byte.
        int length = checkedLength();
        prefixFilled = 0;
        if (length == 0) {
          messages.accept(new byte[0]);
          continue;
        }
        body = new byte[length];
        bodyFilled = 0;
      }
      int n = Math.min(body.length - bodyFilled, input.remaining());
      input.get(body, bodyFilled, n);
      bodyFilled += n;
      if (bodyFilled == body.length) {
        byte[] message = body;
        body = null;
        messages.accept(message);
      }
    }
  }

  private int checkedLength() {
    long length = 0;
    for (byte b : prefix) {
      length = (length << 8) | (b & 0xFF);
    }
    if (length < 0 || length > maxMessageBytes) {
      throw new SpProtocolException(
          SpProtocolException.Reason.OVERSIZE,
          "message of "
              + Long.toUnsignedString(length)
              + " bytes exceeds the receive limit of "
              + maxMessageBytes);
    }
    return (int) length;
  }

  /** Whether no message is partly read: at the end of a stream, anything else is truncation. */
  public boolean atMessageBoundary() {
    return body == null && prefixFilled == 0;
  }
}
