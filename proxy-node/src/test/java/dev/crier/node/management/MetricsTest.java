package dev.crier.node.management;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.crier.node.support.Binaries;
import dev.crier.node.support.Http;
import dev.crier.node.support.SseClient;
import dev.crier.node.support.TestNode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
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
      assertEquals(1, value(metrics, "crier_sse_connections"));
      assertEquals(1, value(metrics, "crier_sse_connections_opened_total"));
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
