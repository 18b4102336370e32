package dev.crier.node.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.crier.node.support.Await;
import dev.crier.node.support.Http;
import dev.crier.node.support.NodeProcess;
import dev.crier.node.support.TestNode;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** A node whose seed nodes are not there yet: alive, not ready, and joining once they appear. */
class ClusterJoinTest {
  private static final Duration WAIT = Duration.ofSeconds(40);

  /**
   * A subscriber waits for a starting node (crier.publish.timeout) and is then refused with 503
   * {@code starting}.
   */
  private static boolean starting(TestNode node) throws Exception {
    Http.Answer refused = Http.get(node.http("/events/a"), TestNode.allAccess());
    return refused.status() == 503 && "starting".equals(refused.json().get("error").asText());
  }

  @Test
  void aNodeThatCannotJoinIsNotReadyAndKeepsRetryingUntilItsSeedAppears() throws Exception {
    int seedPort = NodeProcess.freePort();
    String seed = "pekko.cluster.seed-nodes = [\"pekko://crier@127.0.0.1:" + seedPort + "\"]\n";
    try (TestNode joiner = TestNode.startUnready(seed)) {
      // Several join rounds go unanswered (Pekko retries every seed-node-timeout, 5 s).
      Await.holdsFor(
          Duration.ofSeconds(6),
          () ->
              Http.get(joiner.management("/alive"), null).status() == 200
                  && Http.get(joiner.management("/ready"), null).status() == 500
                  && starting(joiner),
          () -> "a node that has not joined must be alive, not ready, and refuse subscribers");
      try (TestNode first =
          TestNode.start(seed + "pekko.remote.artery.canonical.port = " + seedPort + "\n")) {
        Await.until(
            WAIT,
            () -> Http.get(joiner.management("/ready"), null).status() == 200,
            () -> "the node never joined its seed");
        assertEquals(200, Http.get(first.management("/ready"), null).status());
        Http.Answer published = Http.publish(joiner, "joined", "hello", TestNode.allAccess());
        assertEquals(201, published.status(), published.raw().body());
      }
    }
  }
}
