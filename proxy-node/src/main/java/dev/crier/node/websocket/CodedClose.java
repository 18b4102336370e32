package dev.crier.node.websocket;

import org.apache.pekko.NotUsed;
import org.apache.pekko.event.LoggingAdapter;
import org.apache.pekko.http.impl.engine.ws.FrameEvent;
import org.apache.pekko.http.impl.engine.ws.FrameStart;
import org.apache.pekko.http.impl.engine.ws.UpgradeToWebSocketLowLevel;
import org.apache.pekko.http.impl.engine.ws.WebSocket$;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.ws.Message;
import org.apache.pekko.http.javadsl.model.ws.WebSocketUpgrade;
import org.apache.pekko.http.scaladsl.settings.WebSocketSettings;
import org.apache.pekko.stream.FlowShape;
import org.apache.pekko.stream.Graph;
import org.apache.pekko.stream.javadsl.Flow;
import scala.Option;

/**
 * Answers a WebSocket upgrade with a session that closes with a code of its choosing. Pekko HTTP's
 * message API always closes with 1000 (or 1011 on failure), and Crier's close codes say why a
 * socket ended (drained: reconnect elsewhere; revoked: do not). So the session runs on Pekko's own
 * WebSocket stack, as {@code handleMessagesWith} would, and the stack's close frame is given the
 * code the session set just before it completed. This uses Pekko HTTP's internal frame API (its
 * {@code handleFrames}); WebSocketTest and WebSocketClusterTest pin the close codes.
 */
final class CodedClose {
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
    return lowLevel.handleFrames(graph, Option.empty());
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
