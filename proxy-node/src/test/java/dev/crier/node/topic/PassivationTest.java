package dev.crier.node.topic;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import dev.crier.node.support.Await;
import dev.crier.node.support.Http;
import dev.crier.node.support.TestNode;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * With the journal, an idle topic's owner is stopped and gives its memory back; the next request
 * recovers it from the journal with the same history and cursors.
 */
class PassivationTest {
  private static final String TOKEN = TestNode.allAccess();

  @Test
  void anIdleOwnerIsPassivatedAndRecoversItsHistoryWhenNextAsked() throws Exception {
    String dataDir = Files.createTempDirectory("crier-passivation").toString();
    try (TestNode node =
        TestNode.start(
            "crier.history.store = journal\n"
                + "crier.data-dir = \""
                + dataDir
                + "\"\n"
                + "crier.history.passivate-after = 1s\n")) {
      String topic = "passivate/t";
      List<String> ids = new ArrayList<>();
      for (int i = 0; i < 5; i++) {
        ids.add(Http.publish(node, topic, "e" + i, TOKEN).json().get("id").asText());
      }
      assertEquals(5, retained(node));
      Await.until(
          Duration.ofSeconds(30),
          () -> retained(node) == 0,
          () -> "the idle owner still holds its events");
      JsonNode history = Http.get(node.http("/topics/" + topic + "/events"), TOKEN).json();
      List<String> recovered = new ArrayList<>();
      history.get("events").forEach(e -> recovered.add(e.get("id").asText()));
      assertEquals(ids, recovered, "the recovered owner's history and cursors");
      String next = Http.publish(node, topic, "e5", TOKEN).json().get("id").asText();
      assertEquals(
          ids.get(4).substring(0, ids.get(4).indexOf('-')),
          next.substring(0, next.indexOf('-')),
          "the same epoch after recovery");
    }
  }

  private static long retained(TestNode node) throws Exception {
    return (long) node.metric("crier_history_events");
  }
}
