package dev.crier.node.management;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.crier.node.support.Await;
import dev.crier.node.support.Binaries;
import dev.crier.node.support.Http;
import dev.crier.node.support.SseClient;
import dev.crier.node.support.TestNode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class MetricsTest {
  private static final String TOKEN = TestNode.allAccess();

  private static double value(String metrics, String series) {
    Matcher m =
        Pattern.compile("^" + Pattern.quote(series) + " (\\S+)$", Pattern.MULTILINE)
            .matcher(metrics);
    assertTrue(m.find(), series + " missing from\n" + metrics);
    return Double.parseDouble(m.group(1));
  }

  private static final Duration WAIT = Duration.ofSeconds(10);
  private static final String LATENCY_COUNT = "crier_delivery_latency_seconds_count";
  private static final String TOPICS = "crier_topics_with_local_subscribers";
  private static final String CLIENT_GONE =
      "crier_sse_disconnects_total{reason=\"client_gone\",transport=\"sse\"}";

  private static void publish(TestNode node, String topic, int n) throws Exception {
    for (int i = 0; i < n; i++) {
      assertEquals(201, Http.publish(node, topic, topic + "-" + i, TOKEN).status());
    }
  }

  /** Waits until the sample has exactly the value: one beyond it never passes. */
  private static void awaitExactly(TestNode node, String sample, double expected) throws Exception {
    double[] seen = {Double.NaN};
    Await.until(
        WAIT,
        () -> (seen[0] = node.metric(sample)) == expected,
        () -> sample + " is " + seen[0] + ", not " + expected);
  }

  /**
   * Two subscribers, two topics, a history of 5 per topic: every figure follows the traffic
   * exactly. The latency histogram counts each event once per node (not per subscriber), the
   * delivered counter once per subscriber, the history gauge what the owners hold (capped), and the
   * gauges of streams and topics fall back when the streams close.
   */
  @Test
  void figuresMoveExactlyWithTheTraffic() throws Exception {
    try (TestNode node =
        TestNode.start(
            "crier.history.max-events = 5\n"
                // a closed client is noticed at the next write
                + "crier.subscribe.heartbeat = 200ms\n")) {
      assertEquals(0, node.metric(LATENCY_COUNT));
      assertEquals(0, node.metric("crier_history_events"));
      assertEquals(0, node.metric(TOPICS));

      SseClient onA = SseClient.open(node.http("/events/m/a"), TOKEN);
      SseClient onBoth = SseClient.open(node.http("/events?topic=m/a&topic=m/b"), TOKEN);
      assertEquals(List.of(200, 200), List.of(onA.status(), onBoth.status()));
      assertEquals(2, node.metric(TOPICS), "m/a and m/b, each counted once");
      assertEquals(2, node.metric("crier_sse_connections{transport=\"sse\"}"));
      assertEquals(2, node.metric("crier_sse_connections_opened_total{transport=\"sse\"}"));

      publish(node, "m/a", 3);
      publish(node, "m/b", 2);
      onA.next(3, WAIT);
      onBoth.next(5, WAIT);
      awaitExactly(node, LATENCY_COUNT, 5);
      String metrics = Http.get(node.management("/metrics"), null).raw().body();
      assertEquals(5, value(metrics, "crier_delivery_latency_seconds_bucket{le=\"+Inf\"}"));
      assertEquals(8, value(metrics, "crier_events_delivered_total"), "3 to each of 2, 2 to one");
      assertEquals(5, value(metrics, "crier_events_sequenced_total"));
      assertEquals(5, value(metrics, "crier_http_responses_total{code=\"201\"}"));
      assertEquals(5, value(metrics, "crier_history_events"));

      publish(node, "m/b", 4);
      onBoth.next(4, WAIT);
      awaitExactly(node, LATENCY_COUNT, 9);
      assertEquals(12, node.metric("crier_events_delivered_total"));
      assertEquals(8, node.metric("crier_history_events"), "m/b keeps its last 5 of 6");

      onBoth.close();
      awaitExactly(node, CLIENT_GONE, 1);
      assertEquals(
          1,
          node.metric("crier_sse_connections{transport=\"sse\"}"),
          "a closed stream is no longer open");
      awaitExactly(node, TOPICS, 1);
      onA.close();
      awaitExactly(node, CLIENT_GONE, 2);
      assertEquals(0, node.metric("crier_sse_connections{transport=\"sse\"}"), "no stream is open");
      awaitExactly(node, TOPICS, 0);

      // With nobody on m/a here, its event is sequenced and kept but not handed out: the next
      // stream's one event, which follows it on the same path, is the only one more counted.
      publish(node, "m/a", 1);
      try (SseClient later = SseClient.open(node.http("/events/m/a"), TOKEN)) {
        assertEquals(1, node.metric(TOPICS));
        publish(node, "m/a", 1);
        later.next(WAIT);
        awaitExactly(node, LATENCY_COUNT, 10);
        assertEquals(13, node.metric("crier_events_delivered_total"));
        assertEquals(11, node.metric("crier_events_sequenced_total"));
        assertEquals(10, node.metric("crier_history_events"), "both topics at their cap of 5");
      }
    }
  }

  @Test
  void metricsCountWhatTheNodeDoesAndPassPromtool() throws Exception {
    try (TestNode node = TestNode.start()) {
      SseClient stream = SseClient.open(node.http("/events/metrics"), TOKEN);
      for (int i = 0; i < 3; i++) {
        assertEquals(201, Http.publish(node, "metrics", "e" + i, TOKEN).status());
      }
      stream.next(3, Duration.ofSeconds(10));
      assertEquals(401, Http.get(node.http("/events/metrics"), "not-a-token").status());
      Http.Answer answer = Http.get(node.management("/metrics"), null);
      assertEquals(200, answer.status());
      assertTrue(
          answer.raw().headers().firstValue("Content-Type").orElse("").startsWith("text/plain"));
      String metrics = answer.raw().body();
      assertEquals(1, value(metrics, "crier_sse_connections{transport=\"sse\"}"));
      assertEquals(1, value(metrics, "crier_sse_connections_opened_total{transport=\"sse\"}"));
      assertEquals(3, value(metrics, "crier_events_sequenced_total"));
      assertEquals(3, value(metrics, "crier_events_delivered_total"));
      assertEquals(1, value(metrics, "crier_cluster_members{status=\"Up\"}"));
      assertEquals(3, value(metrics, "crier_http_responses_total{code=\"201\"}"));
      assertEquals(1, value(metrics, "crier_http_responses_total{code=\"401\"}"));
      assertEquals(1, value(metrics, "crier_auth_failures_total"));
      assertTrue(metrics.contains("\njvm_memory_used_bytes{"), "JVM metrics missing");
      assertTrue(!metrics.contains("metrics\""), "a topic leaked into a label");

      Path promtool = Binaries.require("promtool", "prometheus");
      Process check =
          new ProcessBuilder(promtool.toString(), "check", "metrics")
              .redirectErrorStream(true)
              .start();
      check.getOutputStream().write(metrics.getBytes(StandardCharsets.UTF_8));
      check.getOutputStream().close();
      String report = new String(check.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertTrue(check.waitFor(30, TimeUnit.SECONDS));
      assertEquals(0, check.exitValue(), report);
      assertEquals("", report.trim(), "promtool found problems");
    }
  }
}
