package dev.crier.loadtest;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What the load generator counts when a server misbehaves at connect time. */
class SubscribersTest {

  @Test
  void aConnectionClosedWithoutAnAnswerIsCountedAndRetried() throws Exception {
    List<Socket> held = new ArrayList<>();
    try (ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
      // The first connection is closed unanswered, as an overflowing accept queue does; the
      // second gets a stream.
      Thread accepting =
          new Thread(
              () -> {
                try {
                  server.accept().close();
                  Socket second = server.accept();
                  held.add(second);
                  OutputStream out = second.getOutputStream();
                  out.write(
                      "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n\r\n"
                          .getBytes(StandardCharsets.US_ASCII));
                  out.flush();
                } catch (Exception stopped) {
                  // the test is over
                }
              });
      accepting.start();
      Settings settings =
          Settings.parse(
              new String[] {
                "--target", "http://127.0.0.1:" + server.getLocalPort(),
                "--subscribers", "1",
                "--topics", "1"
              });
      Stats stats = new Stats();
      try (Subscribers subscribers = new Subscribers(settings, stats)) {
        subscribers.connectAll();
        assertEquals(1, stats.connected.sum(), "the retry got its stream");
        assertEquals(
            1L, stats.counts().errors().get("closed without an answer"), stats.counts().toString());
      }
      accepting.join();
    } finally {
      for (Socket s : held) {
        s.close();
      }
    }
  }
}
