package dev.crier.node.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.crier.node.support.Await;
import dev.crier.node.support.Http;
import dev.crier.node.support.SseClient;
import dev.crier.node.support.TestNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A client that trickles its first request's headers (slowloris) loses its connection once {@code
 * crier.http.header-timeout} has passed, and is counted; a client that sent its request in time
 * keeps its stream for as long as it reads.
 */
class SlowlorisTest {
  private static final String CONFIG = "crier.http.header-timeout = 1s";
  private static final int TRICKLERS = 20;

  @Test
  void connectionsTricklingTheirHeadersAreClosedAndCounted() throws Exception {
    try (TestNode node = TestNode.start(CONFIG)) {
      URI base = node.http("/");
      List<Socket> sockets = new ArrayList<>();
      try {
        for (int i = 0; i < TRICKLERS; i++) {
          Socket s = new Socket(base.getHost(), base.getPort());
          s.getOutputStream()
              .write("GET /events/slow HTTP/1.1\r\nHo".getBytes(StandardCharsets.US_ASCII));
          s.setSoTimeout(200);
          sockets.add(s);
        }
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        List<Socket> open = new ArrayList<>(sockets);
        while (!open.isEmpty() && System.nanoTime() < deadline) {
          open.removeIf(SlowlorisTest::closedByServer);
          for (Socket s : open) {
            trickle(s);
          }
        }
        assertTrue(
            open.isEmpty(), open.size() + " trickling connections are still open after 10 s");
      } finally {
        for (Socket s : sockets) {
          s.close();
        }
      }
      Await.until(
          Duration.ofSeconds(5),
          () -> node.metric("crier_http_header_timeouts_total") == TRICKLERS,
          () -> "not every trickler was counted");
      assertEquals(200, Http.get(node.management("/ready"), null).status());
    }
  }

  @Test
  void aStreamWhoseRequestCameInTimeOutlivesTheTimeout() throws Exception {
    try (TestNode node = TestNode.start(CONFIG);
        SseClient stream = SseClient.open(node.http("/events/in-time"), TestNode.allAccess())) {
      assertEquals(200, stream.status());
      // A connection opened after the stream and sending nothing is closed once the timeout has
      // passed for it, so by then it has passed for the stream too.
      URI base = node.http("/");
      try (Socket idle = new Socket(base.getHost(), base.getPort())) {
        idle.setSoTimeout(200);
        Await.until(
            Duration.ofSeconds(10),
            () -> closedByServer(idle),
            () -> "a connection that sent nothing is still open");
      }
      assertEquals(201, Http.publish(node, "in-time", "later", TestNode.allAccess()).status());
      assertEquals("later", stream.next(Duration.ofSeconds(5)).data());
      assertEquals(1, node.metric("crier_http_header_timeouts_total"), "only the idle connection");
    }
  }

  /** Sends one more header byte; false if the write failed (the server closed the socket). */
  private static void trickle(Socket s) {
    try {
      OutputStream out = s.getOutputStream();
      out.write('s');
      out.flush();
    } catch (IOException closed) {
      // Seen as closed by the next read.
    }
  }

  private static boolean closedByServer(Socket s) {
    try {
      InputStream in = s.getInputStream();
      return in.read() == -1;
    } catch (java.net.SocketTimeoutException stillOpen) {
      return false;
    } catch (IOException reset) {
      return true;
    }
  }
}
