package dev.crier.node.bridge;

import dev.crier.protocol.sp.SpFrameDecoder;
import dev.crier.protocol.sp.SpHeader;
import dev.crier.protocol.sp.SpProtocol;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.apache.pekko.NotUsed;
import org.apache.pekko.stream.javadsl.Flow;
import org.apache.pekko.util.ByteString;

/** Pekko Streams stages for the SP wire: the connection header, then length-prefixed messages. */
final class SpStreams {
  private SpStreams() {}

  /**
   * Emits the first {@link SpHeader#LENGTH} bytes as one element, however they were chunked, then
   * passes the rest through.
   */
  static Flow<ByteString, ByteString, NotUsed> headerFirst() {
    return Flow.<ByteString>create()
        .statefulMapConcat(
            () -> {
              ByteString[] header = {ByteString.emptyByteString()};
              boolean[] done = {false};
              return chunk -> {
                if (done[0]) {
                  return List.of(chunk);
                }
                ByteString all = header[0].concat(chunk);
                if (all.size() < SpHeader.LENGTH) {
                  header[0] = all;
                  return List.of();
                }
                done[0] = true;
                ByteString rest = all.drop(SpHeader.LENGTH);
                return rest.isEmpty()
                    ? List.of(all.take(SpHeader.LENGTH))
                    : List.of(all.take(SpHeader.LENGTH), rest);
              };
            });
  }

  /** Splits bytes into SP message bodies; fails the stream on an oversize message. */
  static Flow<ByteString, byte[], NotUsed> messages(int maxMessageBytes) {
    return Flow.<ByteString>create()
        .statefulMapConcat(
            () -> {
              SpFrameDecoder decoder = new SpFrameDecoder(maxMessageBytes);
              return chunk -> {
                List<byte[]> out = new ArrayList<>(2);
                for (ByteBuffer buffer : chunk.getByteBuffers()) {
                  decoder.feed(buffer, out::add);
                }
                return out;
              };
            });
  }

  static ByteString header(SpProtocol protocol) {
    return ByteString.fromArrayUnsafe(SpHeader.encode(protocol));
  }
}
