package dev.crier.loadtest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;

/** How publish answers reach a run's JSON result and the side-by-side table. */
class ReportTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** A run's result with {@code answers} publish answers of 1, 2, … answers ms over 10 s. */
  private static JsonNode run(String server, int answers) {
    ObjectNode run = JSON.createObjectNode().put("server", server);
    Histogram h = new Histogram(3);
    for (int ms = 1; ms <= answers; ms++) {
      h.recordValue(ms * 1000L);
    }
    ResultJson.publishJson(run.putObject("publish"), 5 * answers, h, 10.0);
    return run;
  }

  @Test
  void publishAnswerTimesAndRatesGoIntoTheResult() {
    JsonNode publish = run("crier", 1000).path("publish");
    assertEquals(1000, publish.path("answers").asLong());
    assertEquals(100.0, publish.path("answersPerSecond").asDouble(), 1e-9);
    assertEquals(500.0, publish.path("eventsPerSecond").asDouble(), 1e-9);
    JsonNode millis = publish.path("answerMillis");
    assertEquals(500, millis.path("p50").asDouble(), 1);
    assertEquals(990, millis.path("p99").asDouble(), 1);
    assertEquals(999, millis.path("p99_9").asDouble(), 1);
    assertEquals(1000, millis.path("max").asDouble(), 1);
  }

  @Test
  void aRunWithoutAnswersHasNoTimesAndAnIdleRunNoRates() {
    ObjectNode pushed = JSON.createObjectNode();
    ResultJson.publishJson(pushed, 1000, new Histogram(3), 10.0);
    assertEquals(0, pushed.path("answers").asLong());
    assertTrue(pushed.path("answerMillis").isMissingNode(), "NNG push has no answers to time");

    ObjectNode idle = JSON.createObjectNode();
    ResultJson.publishJson(idle, 0, new Histogram(3), 0);
    assertTrue(idle.path("answersPerSecond").isMissingNode(), idle.toString());
  }

  @Test
  void theTableHasARowForEachPublishAnswerFigureWithCriersRatio() {
    String table = Report.markdown(List.of(run("crier", 1000), run("nchan", 500)));
    assertTrue(table.contains("| publish answer p50 (ms) | 500 | 250 | 2.00× |"), table);
    assertTrue(table.contains("| publish answer p99 (ms) | 990 | 495 | 2.00× |"), table);
    assertTrue(table.contains("| publish answer p99.9 (ms) | 999 | 500 | 2.00× |"), table);
    assertTrue(table.contains("| publish requests answered/s | 100 | 50.00 | 2.00× |"), table);
    assertTrue(table.contains("| events accepted/s while publishing | 500 | 250 | 2.00× |"), table);

    ObjectNode idle = JSON.createObjectNode().put("server", "crier");
    idle.putObject("publish").put("answers", 0);
    assertFalse(
        Report.markdown(List.of(idle)).contains("| publish"),
        "a scenario that publishes nothing has no such rows");
  }
}
