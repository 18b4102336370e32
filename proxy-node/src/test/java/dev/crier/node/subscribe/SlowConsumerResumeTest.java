package dev.crier.node.subscribe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.crier.node.support.Http;
import dev.crier.node.support.SseClient;
import dev.crier.node.support.TestNode;
import dev.crier.protocol.sse.SseEvent;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A subscriber cut off for lagging while events arrive at full speed (batches of 100) resumes with
 * its last id and gets every later event, in order, without a reset: what it had not received was
 * at most its queue, and history keeps twice that.
 */
class SlowConsumerResumeTest {
  private static final String TOKEN = TestNode.allAccess();
  private static final Duration WAIT = Duration.ofSeconds(60);

  @Test
  void aCutSubscriberResumesWithItsLastIdAndLosesNothing() throws Exception {
    try (TestNode node =
        TestNode.start("crier.subscribe { buffer-size = 64, buffer-bytes = 64 KiB }")) {
      String topic = "slow-resume/" + UUID.randomUUID();
      String payload = "y".repeat(8 * 1024);
      SseClient stuck = SseClient.openNotReading(node.http("/events/" + topic), TOKEN);
      int n = 1500;
      for (int from = 0; from < n; from += 100) {
        List<String> data = new ArrayList<>();
        for (int i = from; i < from + 100; i++) {
          data.add(i + payload);
        }
        Http.Answer a = Http.publishBatch(node.http("/publish"), topic, data, TOKEN);
        assertEquals(201, a.status(), a.raw().body());
      }
      stuck.resumeReading();
      stuck.ended().handle((ok, failure) -> null).get(30, TimeUnit.SECONDS);
      List<SseEvent> before = stuck.drain();
      assertTrue(before.size() < n, "the subscriber was not cut off: got all " + n);
      String metrics = Http.get(node.management("/metrics"), null).raw().body();
      assertTrue(
          metrics.contains(
              "crier_sse_disconnects_total{reason=\"slow_consumer\",transport=\"sse\"} 1.0"),
          "the cut is counted as slow_consumer");
      for (int i = 0; i < before.size(); i++) {
        assertEquals(i + payload, before.get(i).data(), "event " + i + " before the cut");
      }
      try (SseClient resumed =
          SseClient.open(
              node.http("/events/" + topic),
              Map.of(
                  "Authorization",
                  "Bearer " + TOKEN,
                  "Last-Event-ID",
                  before.get(before.size() - 1).lastEventId()))) {
        List<SseEvent> rest = resumed.next(n - before.size(), WAIT);
        List<String> expected = new ArrayList<>();
        for (int i = before.size(); i < n; i++) {
          expected.add(Integer.toString(i));
        }
        assertEquals(
            expected,
            rest.stream().map(e -> e.data().replace(payload, "")).toList(),
            "the events after the cut, in order, without a reset");
        assertTrue(resumed.quietFor(Duration.ofMillis(300)), "more than the missing events came");
      }
    }
  }
}
