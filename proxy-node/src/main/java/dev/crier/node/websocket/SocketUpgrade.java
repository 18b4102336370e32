package dev.crier.node.websocket;

import java.util.ArrayList;
import java.util.List;
import org.apache.pekko.NotUsed;
import org.apache.pekko.event.LoggingAdapter;
import org.apache.pekko.http.impl.engine.server.UpgradeToOtherProtocolResponseHeader;
import org.apache.pekko.http.impl.engine.ws.FrameEvent;
import org.apache.pekko.http.impl.engine.ws.FrameStart;
import org.apache.pekko.http.impl.engine.ws.UpgradeToWebSocketLowLevel;
import org.apache.pekko.http.impl.engine.ws.WebSocket$;
import org.apache.pekko.http.javadsl.model.HttpHeader;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.ws.Message;
import org.apache.pekko.http.javadsl.model.ws.WebSocketUpgrade;
import org.apache.pekko.http.scaladsl.settings.WebSocketSettings;
import org.apache.pekko.stream.FlowShape;
import org.apache.pekko.stream.Graph;
import org.apache.pekko.stream.javadsl.Flow;
import org.apache.pekko.util.ByteString;
import scala.Option;

/**
 * Answers a WebSocket upgrade with a session that closes with a code of its choosing and writes as
 * an SSE stream does. The session runs on Pekko's own WebSocket stack, as {@code
 * handleMessagesWith} would, with two changes below it, through Pekko HTTP's internal frame and
 * upgrade API (WebSocketTest and WebSocketClusterTest pin both):
 *
 * <ul>
 *   <li>Pekko HTTP's message API always closes with 1000 (or 1011 on failure), and Crier's close
 *       codes say why a socket ended (drained: reconnect elsewhere; revoked: do not). The stack's
 *       close frame is given the code the session set just before it completed.
 *   <li>Every rendered frame would be a write of its own. While the connection is busy, the frames
 *       waiting for it are joined into its next write (up to {@code maxWriteBytes}), so a socket
 *       that falls behind catches up with few writes instead of one per event.
 * </ul>
 */
final class SocketUpgrade {
  /** RFC 6455 (5.5.1). */
  private static final byte CLOSE_OPCODE = 0x8;

  private volatile int code;
  private volatile String reason = "";

  /** The code (and reason) the socket's close frame is to carry; set before completing. */
  void set(int code, String reason) {
    this.reason = reason;
    this.code = code;
  }

  /**
   * The upgrade's answer, running {@code session} with this close; a plain {@code
   * handleMessagesWith} (close code 1000) if the upgrade is not Pekko's own.
   */
  HttpResponse answer(
      WebSocketUpgrade upgrade,
      Flow<Message, Message, NotUsed> session,
      WebSocketSettings settings,
      long maxWriteBytes,
      LoggingAdapter log) {
    if (!(upgrade instanceof UpgradeToWebSocketLowLevel lowLevel)) {
      return upgrade.handleMessagesWith(session);
    }
    Flow<
            org.apache.pekko.http.scaladsl.model.ws.Message,
            org.apache.pekko.http.scaladsl.model.ws.Message,
            NotUsed>
        scalaSession =
            Flow.<org.apache.pekko.http.scaladsl.model.ws.Message>create()
                .map(Message::adapt)
                .via(session)
                .map(Message::asScala);
    Flow<FrameEvent, FrameEvent, NotUsed> frames =
        Flow.fromGraph(
                WebSocket$.MODULE$
                    .stack(true, settings, WebSocket$.MODULE$.stack$default$3(), log)
                    .join(scalaSession.asScala()))
            .map(this::withCode);
    @SuppressWarnings({"unchecked", "rawtypes"})
    Graph<FlowShape<FrameEvent, FrameEvent>, Object> graph = (Graph) frames;
    HttpResponse switching = lowLevel.handleFrames(graph, Option.empty());
    List<HttpHeader> headers = new ArrayList<>();
    for (HttpHeader header : switching.getHeaders()) {
      headers.add(
          header instanceof UpgradeToOtherProtocolResponseHeader bytes
              ? UpgradeToOtherProtocolResponseHeader.apply(
                  bytes.handler().via(joinedWrites(maxWriteBytes).asScala()))
              : header);
    }
    return switching.withHeaders(headers);
  }

  private static Flow<ByteString, ByteString, NotUsed> joinedWrites(long maxWriteBytes) {
    return Flow.of(ByteString.class)
        .batchWeighted(
            maxWriteBytes, bytes -> (long) bytes.size(), first -> first, ByteString::concat);
  }

  private FrameEvent withCode(FrameEvent frame) {
    int chosen = code;
    if (chosen != 0
        && frame instanceof FrameStart start
        && start.header().opcode().code() == CLOSE_OPCODE) {
      return FrameEvent.closeFrame(chosen, reason, Option.empty());
    }
    return frame;
  }
}
