package dev.crier.node.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.crier.node.support.Http;
import dev.crier.node.support.TestNode;
import java.net.http.HttpRequest;
import org.junit.jupiter.api.Test;

/**
 * A body beyond what Pekko HTTP lets any request carry (8 MiB) is the client's 413, as any oversize
 * body is, not the node's 500; and it harms nothing after it.
 */
class OversizeBodyTest {
  private static final String TOKEN = TestNode.allAccess();

  @Test
  void aBodyBeyondTheServersLimitIs413OnEveryPublishRoute() throws Exception {
    byte[] nineMiB = new byte[9 << 20];
    java.util.Arrays.fill(nineMiB, (byte) 'x');
    try (TestNode node = TestNode.start()) {
      for (String path : new String[] {"/topics/big/events", "/publish"}) {
        Http.Answer answer =
            Http.send(
                Http.auth(HttpRequest.newBuilder(node.http(path)), TOKEN)
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofByteArray(nineMiB))
                    .build());
        assertEquals(413, answer.status(), path + ": " + answer.raw().body());
        assertEquals("payload_too_large", answer.json().get("error").asText(), path);
        assertTrue(answer.json().get("message").asText().contains("8388608"), answer.raw().body());
      }
      assertEquals(0, node.metric("crier_http_responses_total{code=\"500\"}"), "no 500 counted");
      assertEquals(201, Http.publish(node, "big", "small", TOKEN).status());
    }
  }
}
