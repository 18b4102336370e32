package dev.crier.node.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.crier.node.support.Http;
import dev.crier.node.support.TestNode;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * A body declared beyond what Pekko HTTP lets any request carry (8 MiB) is the client's 413, as any
 * oversize body is, not the node's 500; and it harms nothing after it.
 */
class OversizeBodyTest {
  private static final String TOKEN = TestNode.allAccess();

  /**
   * Sends only the head of a request declaring a 9 MiB body and reads the answer: the node answers
   * from the declared length without reading the body (a client still writing it when the node
   * closes the connection may never read the answer, so the test does not send it).
   */
  private static String answerTo(URI uri) throws Exception {
    try (Socket socket = new Socket(uri.getHost(), uri.getPort())) {
      socket.setSoTimeout(20_000);
      OutputStream out = socket.getOutputStream();
      out.write(
          ("POST "
                  + uri.getPath()
                  + " HTTP/1.1\r\nHost: crier\r\nAuthorization: Bearer "
                  + TOKEN
                  + "\r\nContent-Type: application/json\r\nContent-Length: "
                  + (9 << 20)
                  + "\r\n\r\n")
              .getBytes(StandardCharsets.US_ASCII));
      out.flush();
      InputStream in = socket.getInputStream();
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  @Test
  void aBodyBeyondTheServersLimitIs413OnEveryPublishRoute() throws Exception {
    try (TestNode node = TestNode.start()) {
      for (String path : new String[] {"/topics/big/events", "/publish"}) {
        String answer = answerTo(node.http(path));
        assertTrue(answer.startsWith("HTTP/1.1 413 "), path + ": " + answer);
        assertTrue(answer.contains("\"error\":\"payload_too_large\""), path + ": " + answer);
        assertTrue(answer.contains("8388608"), path + ": " + answer);
      }
      assertEquals(0, node.metric("crier_http_responses_total{code=\"500\"}"), "no 500 counted");
      assertEquals(201, Http.publish(node, "big", "small", TOKEN).status());
    }
  }
}
