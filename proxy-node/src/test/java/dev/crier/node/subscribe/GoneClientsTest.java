package dev.crier.node.subscribe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.crier.node.auth.TokenMinter;
import dev.crier.node.support.Await;
import dev.crier.node.support.Http;
import dev.crier.node.support.SseClient;
import dev.crier.node.support.TestNode;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * Clients that leave or stall at awkward moments: one that closes its connection, whether before
 * its stream's first byte or while it is open, gives back its place at once rather than at the next
 * heartbeat (the heartbeat here is far longer than the tests wait); a client that merely asks for
 * the connection to close after the answer keeps its stream; a revoked stream stuck on a full
 * socket neither stops a later drain from ending every other stream nor keeps the node from
 * stopping within window + 2 × linger.
 */
class GoneClientsTest {
  private static final String TOKEN = TestNode.allAccess();
  private static final Duration WAIT = Duration.ofSeconds(20);

  /** Sends a subscribe request and closes the socket without reading the answer. */
  private static void subscribeAndLeave(TestNode node, String topic) throws Exception {
    try (Socket socket = new Socket(node.http("/").getHost(), node.http("/").getPort())) {
      OutputStream out = socket.getOutputStream();
      out.write(
          ("GET /events/"
                  + topic
                  + " HTTP/1.1\r\nHost: crier\r\nAuthorization: Bearer "
                  + TOKEN
                  + "\r\n\r\n")
              .getBytes(StandardCharsets.US_ASCII));
      out.flush();
    }
  }

  /** A stream read over a plain socket, line by line. */
  private record RawStream(Socket socket, BufferedReader lines) {
    /** Reads until a line starting with {@code prefix}, and returns it. */
    String lineStartingWith(String prefix) throws Exception {
      String line;
      while ((line = lines.readLine()) != null) {
        if (line.startsWith(prefix)) {
          return line;
        }
      }
      throw new AssertionError("the stream ended before a line starting with " + prefix);
    }
  }

  /** Opens a stream over a plain socket and waits for its first line, the stream's retry field. */
  private static RawStream subscribed(TestNode node, String topic, String extraHeaders)
      throws Exception {
    Socket socket = new Socket(node.http("/").getHost(), node.http("/").getPort());
    socket.setSoTimeout((int) WAIT.toMillis());
    OutputStream out = socket.getOutputStream();
    out.write(
        ("GET /events/"
                + topic
                + " HTTP/1.1\r\nHost: crier\r\n"
                + extraHeaders
                + "Authorization: Bearer "
                + TOKEN
                + "\r\n\r\n")
            .getBytes(StandardCharsets.US_ASCII));
    out.flush();
    RawStream stream =
        new RawStream(
            socket,
            new BufferedReader(
                new InputStreamReader(socket.getInputStream(), StandardCharsets.US_ASCII)));
    assertEquals("HTTP/1.1 200 OK", stream.lines().readLine());
    stream.lineStartingWith("retry:");
    return stream;
  }

  @Test
  void aClientThatClosesItsConnectionIsGoneAtOnceAndMayComeStraightBack() throws Exception {
    try (TestNode node =
        TestNode.start(
            "crier.limits.connections-per-ip = 2\n" + "crier.subscribe.heartbeat = 50s\n")) {
      RawStream closing = subscribed(node, "hang-up/a", "");
      // Asks for the connection to be closed after the answer: that is not leaving.
      RawStream asking = subscribed(node, "hang-up/b", "Connection: close\r\n");
      assertEquals(2, node.metric("crier_sse_connections{transport=\"sse\"}"));
      closing.socket().close();
      Await.until(
          Duration.ofSeconds(5),
          () -> node.metric("crier_sse_connections{transport=\"sse\"}") == 1,
          () -> "the closed stream is still counted: " + metric(node));
      assertEquals(
          1, node.metric("crier_sse_disconnects_total{reason=\"client_gone\",transport=\"sse\"}"));
      try (SseClient again = SseClient.open(node.http("/events/hang-up/a"), TOKEN)) {
        assertEquals(200, again.status(), "the per-address place was given back");
      }
      assertEquals(201, Http.publish(node, "hang-up/b", "still here", TOKEN).status());
      assertEquals("data: still here", asking.lineStartingWith("data:"));
      asking.socket().close();
    }
  }

  @Test
  void clientsThatLeaveBeforeTheirStreamStartsGiveBackTheirPlace() throws Exception {
    try (TestNode node =
        TestNode.start(
            "crier.limits.connections-per-ip = 3\n" + "crier.subscribe.heartbeat = 50s\n")) {
      for (int i = 0; i < 20; i++) {
        subscribeAndLeave(node, "gone/" + UUID.randomUUID());
      }
      // Every leaver's request was either refused at the per-address limit or opened, and every
      // opened one has ended: only then are all places given back (a zero gauge alone may be read
      // while a leaver's request is still on its way to admission).
      Await.until(
          WAIT,
          () ->
              node.metric("crier_sse_connections_opened_total{transport=\"sse\"}")
                          + node.metric("crier_limit_rejects_total{limit=\"connections_per_ip\"}")
                      == 20
                  && node.metric("crier_sse_connections{transport=\"sse\"}") == 0,
          () -> "streams of clients that left are still counted: " + metric(node));
      for (int i = 0; i < 3; i++) {
        SseClient stream = SseClient.open(node.http("/events/gone/again" + i), TOKEN);
        assertEquals(200, stream.status(), "the per-address limit was given back");
      }
    }
  }

  @Test
  void aDrainAfterARevokedStreamStuckOnAFullSocketStillEndsEveryStreamAndStops() throws Exception {
    TokenMinter minter = new TokenMinter(TestNode.SECRET);
    TokenMinter.Minted stuckToken =
        minter.mint("stuck", List.of("*"), List.of(), false, null, Duration.ofMinutes(5));
    String admin = minter.mint("ops", List.of(), List.of(), true, Duration.ofMinutes(5));
    try (TestNode node =
            TestNode.start(
                "crier.drain.window = 1s\n"
                    + "crier.publish { max-bytes = 2 MiB, max-batch-bytes = 4 MiB }\n");
        SseClient stuck =
            SseClient.openNotReading(node.http("/events/stuck/big"), stuckToken.token())) {
      List<SseClient> readers = new ArrayList<>();
      for (int i = 0; i < 20; i++) {
        readers.add(SseClient.open(node.http("/events/stuck/other" + i), TOKEN));
      }
      // 16 events of 1 MiB fill the stuck client's socket and the node's write buffers, yet stay
      // far below its queue's 1,024 events: it is not cut off, its stream just cannot finish.
      String big = "x".repeat(1 << 20);
      for (int i = 0; i < 16; i++) {
        assertEquals(201, Http.publish(node, "stuck/big", big, TOKEN).status());
      }
      HttpRequest revoke =
          Http.auth(
                  HttpRequest.newBuilder(node.management("/admin/tokens/" + stuckToken.tokenId())),
                  admin)
              .DELETE()
              .build();
      assertEquals(200, Http.send(revoke).status());
      HttpRequest drain =
          Http.auth(HttpRequest.newBuilder(node.management("/admin/drain")), admin)
              .POST(HttpRequest.BodyPublishers.noBody())
              .build();
      long drainAt = System.nanoTime();
      assertEquals(202, Http.send(drain).status());
      Await.until(
          Duration.ofSeconds(10),
          () -> readers.stream().allMatch(r -> r.ended().isDone()),
          () ->
              readers.stream().filter(r -> r.ended().isDone()).count()
                  + " of the other streams ended");
      Await.until(
          Duration.ofSeconds(30),
          () -> node.system().getWhenTerminated().toCompletableFuture().isDone(),
          () -> "the node did not stop");
      long stoppedAfter = Duration.ofNanos(System.nanoTime() - drainAt).toMillis();
      assertTrue(stoppedAfter <= 6_000, "stopped " + stoppedAfter + " ms after the drain began");
    }
  }

  private static String metric(TestNode node) {
    try {
      return "crier_sse_connections " + node.metric("crier_sse_connections{transport=\"sse\"}");
    } catch (Exception e) {
      return e.toString();
    }
  }
}
