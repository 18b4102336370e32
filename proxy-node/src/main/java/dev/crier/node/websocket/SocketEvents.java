package dev.crier.node.websocket;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.io.JsonStringEncoder;
import dev.crier.node.subscribe.SubscriptionFraming;
import dev.crier.node.topic.FeedItem;
import dev.crier.node.topic.TopicEvent;
import dev.crier.protocol.cursor.CursorCodec;
import dev.crier.protocol.cursor.Position;
import java.io.IOException;
import org.apache.pekko.http.javadsl.model.ws.Message;
import org.apache.pekko.http.javadsl.model.ws.TextMessage;

/**
 * A subscription's events as WebSocket text frames, {@code {"id", "topic", "type", "data"}}: data
 * that is JSON text goes out as that JSON value, anything else as a JSON string. The part after the
 * id is made once per event and shared by every socket ({@link FeedItem.Frame#text}).
 */
final class SocketEvents implements SubscriptionFraming.Encoding<SocketEvents.Out> {
  private static final JsonFactory JSON = new JsonFactory();
  private static final String DEFAULT_TYPE = "message";

  /**
   * One frame to send.
   *
   * @param topicIndex the event's topic in the subscription's cursor order, or -1 for a frame that
   *     is no event (the subscribed answer, a reset), which needs no ack
   * @param position the event's position, or null
   * @param chars its length, what it holds of the unacknowledged window
   */
  record Out(Message message, int topicIndex, Position position, int chars) {}

  private final CursorCodec codec;
  private final boolean ack;
  private final String ref;

  SocketEvents(CursorCodec codec, boolean ack, String ref) {
    this.codec = codec;
    this.ack = ack;
    this.ref = ref;
  }

  /**
   * An event's WebSocket encoding, shared by every socket: the whole frame of a one-topic
   * subscription (whose id is the event's position), and the part after the id for the others.
   */
  private record Shared(Message message, String afterId, int chars) {
    static Shared of(TopicEvent event) {
      String afterId = SocketEvents.afterId(event);
      String text = "{\"id\":\"" + event.position() + "\"," + afterId;
      return new Shared(TextMessage.create(text), afterId, text.length());
    }
  }

  @Override
  public Out event(FeedItem.Frame frame, String cursor) {
    Shared shared = frame.encoded(Shared::of);
    if (cursor == null) {
      return new Out(shared.message(), 0, frame.position(), shared.chars());
    }
    String text = "{\"id\":\"" + cursor + "\"," + shared.afterId();
    return new Out(
        TextMessage.create(text), codec.indexOf(frame.topic()), frame.position(), text.length());
  }

  @Override
  public Out reset(String cursor, String data) {
    String text =
        "{\"id\":\""
            + cursor
            + "\",\"type\":\""
            + SubscriptionFraming.RESET_EVENT
            + "\",\"data\":"
            + data
            + "}";
    return new Out(TextMessage.create(text), -1, null, 0);
  }

  @Override
  public Out synced(String cursor) {
    return new Out(
        TextMessage.create(ServerFrames.subscribed(codec.topics(), cursor, ack, ref)), -1, null, 0);
  }

  /** {@code "topic":…,"type":…,"data":…}} of an event: everything of its frame but the id. */
  private static String afterId(TopicEvent event) {
    StringBuilder out = new StringBuilder(event.data().length() + event.topic().length() + 48);
    // Topic names cannot hold '"' or '\', so they need no JSON escaping.
    out.append("\"topic\":\"").append(event.topic()).append("\",\"type\":\"");
    JsonStringEncoder.getInstance()
        .quoteAsString(event.type() == null ? DEFAULT_TYPE : event.type(), out);
    out.append("\",\"data\":");
    if (isJson(event.data())) {
      out.append(event.data());
    } else {
      out.append('"');
      JsonStringEncoder.getInstance().quoteAsString(event.data(), out);
      out.append('"');
    }
    return out.append('}').toString();
  }

  /** Whether the text is exactly one JSON value (object, array, string, number, literal). */
  static boolean isJson(String text) {
    try (JsonParser parser = JSON.createParser(text)) {
      JsonToken first = parser.nextToken();
      if (first == null) {
        return false;
      }
      parser.skipChildren();
      return parser.nextToken() == null;
    } catch (IOException malformed) {
      return false;
    }
  }
}
