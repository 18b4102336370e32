package dev.crier.node.support;

import dev.crier.node.auth.TokenMinter;
import dev.crier.protocol.sse.SseEvent;
import java.net.URI;
import java.net.http.HttpRequest;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/** The channel routes called as a backend and a browser would, over real HTTP. */
public final class ChannelCalls {
  private ChannelCalls() {}

  /** A token that may create channels (the {@code crier.channels} claim). */
  public static String creator() {
    return new TokenMinter(TestNode.SECRET)
        .mint("backend", List.of(), List.of(), false, null, true, Duration.ofHours(1))
        .token();
  }

  /** A channel's two addresses. */
  public record Created(String producer, String consumer) {}

  /** Creates a channel on {@code node}, failing the test unless it answers 201. */
  public static Created create(TestNode node) throws Exception {
    Http.Answer a = Http.postJson(node.http("/channels"), "", creator());
    if (a.status() != 201) {
      throw new AssertionError("create: " + a.status() + " " + a.raw().body());
    }
    return new Created(
        a.json().get("producerAddress").asText(), a.json().get("consumerAddress").asText());
  }

  public static Http.Answer write(TestNode node, String producer, String streamId, String body)
      throws Exception {
    return Http.send(
        HttpRequest.newBuilder(node.http("/channels/" + producer + "/" + streamId))
            .POST(HttpRequest.BodyPublishers.ofString(body))
            .build());
  }

  /**
   * Writes {@code body} with an idempotency key of its own until it is stored (201): a 503 (the
   * channel moving) stored nothing, a 504 may have, and the retry with the same key stores it once.
   * Anything else fails the test.
   */
  public static void writeUntilStored(URI channels, String producer, String body, Duration within)
      throws Exception {
    HttpRequest write =
        HttpRequest.newBuilder(URI.create(channels + "/" + producer + "/s"))
            .header("Crier-Idempotency-Key", producer + "/" + body)
            .POST(HttpRequest.BodyPublishers.ofString(body))
            .build();
    Await.until(
        within,
        () -> {
          Http.Answer a = Http.send(write);
          if (a.status() != 201 && a.status() != 503 && a.status() != 504) {
            throw new AssertionError("write " + body + ": " + a.status() + " " + a.raw().body());
          }
          return a.status() == 201;
        },
        () -> "write " + body + " was never stored");
  }

  public static Http.Answer delete(TestNode node, String producer) throws Exception {
    return Http.send(HttpRequest.newBuilder(node.http("/channels/" + producer)).DELETE().build());
  }

  public static URI reader(TestNode node, String consumer) {
    return node.http("/channels/" + consumer);
  }

  /**
   * Reads into {@code got} until it holds {@code count} events or {@code within} has passed,
   * reopening the stream at {@code uri} after the last id whenever it ends (a moved channel, a
   * drained node); returns the stream it read last.
   */
  public static SseClient readUntil(
      SseClient reader, URI uri, List<SseEvent> got, int count, Duration within) throws Exception {
    long deadline = System.nanoTime() + within.toNanos();
    while (got.size() < count && System.nanoTime() < deadline) {
      SseEvent e = reader.poll(Duration.ofSeconds(1));
      if (e != null) {
        got.add(e);
      } else if (reader.ended().isDone()) {
        reader.close();
        reader =
            SseClient.open(uri, Map.of("Last-Event-ID", got.get(got.size() - 1).lastEventId()));
      }
    }
    return reader;
  }

  /** Opens the consumer's stream, resuming after {@code lastEventId} unless it is null. */
  public static SseClient read(TestNode node, String consumer, String lastEventId)
      throws Exception {
    return SseClient.open(
        reader(node, consumer),
        lastEventId == null ? Map.of() : Map.of("Last-Event-ID", lastEventId));
  }
}
