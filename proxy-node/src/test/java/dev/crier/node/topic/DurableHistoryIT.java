package dev.crier.node.topic;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.crier.node.support.Http;
import dev.crier.node.support.NodeProcess;
import dev.crier.node.support.SseClient;
import dev.crier.protocol.sse.SseEvent;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The packaged node with its embedded journal (the default store), killed with SIGKILL and started
 * again on the same data folder: every acknowledged event, the epoch and the schedule survive.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class DurableHistoryIT {
  private static final String SECRET = "durable-history-secret-0123456789abcdef0123";
  private static final int EVENTS = 1000;
  private static final Duration WAIT = Duration.ofSeconds(20);

  @Test
  void killedNodeRestartsWithEveryAcknowledgedEventAndFiresItsScheduleOnce() throws Exception {
    Path data = Files.createTempDirectory("crier-durable");
    Map<String, String> env =
        Map.of(
            "CRIER_DEV_MODE",
            "true",
            "CRIER_DEV_SECRET",
            SECRET,
            "CRIER_DATA_DIR",
            data.toString());
    List<String> props =
        List.of("pekko.remote.artery.canonical.port=0", "crier.history.max-events=2000");
    List<String> ids = new ArrayList<>();
    String scheduleId;
    long dueAt;
    try (NodeProcess node = NodeProcess.start(env, props)) {
      String publisher = node.printed("crier: dev publisher token:");
      for (int batch = 0; batch < EVENTS / 100; batch++) {
        List<String> events = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
          events.add("e" + (batch * 100 + i));
        }
        Http.Answer answer = Http.publishBatch(node.http("/publish"), "durable", events, publisher);
        assertEquals(201, answer.status(), answer.raw().body());
        answer.json().forEach(e -> ids.add(e.get("id").asText()));
      }
      dueAt = System.currentTimeMillis() + 6_000;
      Http.Answer scheduled =
          Http.postJson(
              node.http("/publish"),
              "{\"topic\":\"durable\",\"data\":\"due\",\"deliverAt\":" + dueAt + "}",
              publisher);
      assertEquals(201, scheduled.status(), scheduled.raw().body());
      scheduleId = scheduled.json().get("id").asText();
      node.process().destroyForcibly().waitFor(30, TimeUnit.SECONDS);
    }
    assertTrue(
        System.currentTimeMillis() < dueAt, "the node was killed after the schedule was due");

    try (NodeProcess node = NodeProcess.start(env, props)) {
      String subscriber = node.printed("crier: dev subscriber token:");
      String cursor = ids.get(EVENTS / 2 - 1);
      try (SseClient stream =
          SseClient.open(
              node.http("/events/durable"),
              Map.of("Authorization", "Bearer " + subscriber, "Last-Event-ID", cursor))) {
        assertEquals(200, stream.status());
        List<SseEvent> resumed = stream.next(EVENTS / 2 + 1, WAIT);
        List<String> expected = new ArrayList<>();
        for (int i = EVENTS / 2; i < EVENTS; i++) {
          expected.add("e" + i);
        }
        expected.add("due");
        assertEquals(expected, resumed.stream().map(SseEvent::data).toList());
        assertEquals(
            ids.subList(EVENTS / 2, EVENTS),
            resumed.subList(0, EVENTS / 2).stream().map(SseEvent::lastEventId).toList());
        assertTrue(stream.quietFor(Duration.ofSeconds(2)), "more than the scheduled event came");
      }
      JsonNode history =
          Http.get(node.http("/topics/durable/events?limit=2000"), subscriber).json();
      List<String> all = new ArrayList<>();
      history.get("events").forEach(e -> all.add(e.get("data").asText()));
      assertEquals(EVENTS + 1, all.size(), "history after the restart");
      assertEquals(1, all.stream().filter("due"::equals).count(), "the schedule fired once");
      Http.Answer cancel =
          Http.send(
              Http.auth(
                      java.net.http.HttpRequest.newBuilder(
                          node.http("/topics/durable/events/" + scheduleId)),
                      node.printed("crier: dev publisher token:"))
                  .DELETE()
                  .build());
      assertEquals(409, cancel.status(), "a delivered schedule is known as delivered");
    }
  }
}
