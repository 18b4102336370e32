package dev.crier.node.subscribe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.crier.node.support.Http;
import dev.crier.node.support.SseClient;
import dev.crier.node.support.TestNode;
import dev.crier.protocol.sse.SseEvent;
import java.net.http.HttpRequest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class FanOutTest {
  private static final String TOKEN = TestNode.allAccess();
  private TestNode node;

  @AfterEach
  void stop() {
    node.close();
  }

  /** Publishes {@code n} events in batches of 100 through POST /publish. */
  private void publishBatches(String topic, int n, String payload) throws Exception {
    for (int from = 0; from < n; from += 100) {
      StringBuilder json = new StringBuilder("[");
      for (int i = from; i < Math.min(n, from + 100); i++) {
        json.append(i == from ? "" : ",")
            .append("{\"topic\":\"")
            .append(topic)
            .append("\",\"data\":\"")
            .append(i)
            .append(payload)
            .append("\"}");
      }
      Http.Answer a = Http.postJson(node.http("/publish"), json.append("]").toString(), TOKEN);
      assertEquals(201, a.status(), a.raw().body());
    }
  }

  @Test
  void hundredSubscribersEachReceiveThousandEventsInOrder() throws Exception {
    node = TestNode.start();
    String topic = "fan/" + UUID.randomUUID();
    List<SseClient> clients = new ArrayList<>();
    try {
      for (int i = 0; i < 100; i++) {
        clients.add(SseClient.open(node.http("/events/" + topic), TOKEN));
      }
      publishBatches(topic, 1000, "");
      for (SseClient client : clients) {
        List<SseEvent> got = client.next(1000, Duration.ofSeconds(60));
        for (int i = 0; i < 1000; i++) {
          assertEquals(String.valueOf(i), got.get(i).data());
        }
        assertTrue(client.quietFor(Duration.ofMillis(20)));
      }
    } finally {
      clients.forEach(SseClient::close);
    }
  }

  @Test
  void aSubscriberThatNeverReadsIsCutOffWithoutDelayingTheOthers() throws Exception {
    node = TestNode.start("crier.subscribe { buffer-size = 64, buffer-bytes = 64 KiB }");
    String topic = "slow/" + UUID.randomUUID();
    String payload = "x".repeat(16 * 1024);
    SseClient stuck = SseClient.openNotReading(node.http("/events/" + topic), TOKEN);
    List<SseClient> readers = new ArrayList<>();
    try {
      for (int i = 0; i < 5; i++) {
        readers.add(SseClient.open(node.http("/events/" + topic), TOKEN));
      }
      // 2,000 events of 16 KiB (32 MiB) overflow the socket buffers, buffer-bytes and buffer-size;
      // the readers keep up because each event is sent only after the previous one was sequenced.
      int n = 2000;
      for (int i = 0; i < n; i++) {
        Http.Answer a =
            Http.send(
                Http.auth(HttpRequest.newBuilder(node.http("/topics/" + topic + "/events")), TOKEN)
                    .POST(HttpRequest.BodyPublishers.ofString(i + payload))
                    .build());
        assertEquals(201, a.status());
      }
      for (SseClient reader : readers) {
        List<SseEvent> got = reader.next(n, Duration.ofSeconds(60));
        assertEquals((n - 1) + payload, got.get(n - 1).data());
      }
      // Now drain what the stuck client's socket still holds: its stream must end short.
      stuck.resumeReading();
      stuck.ended().handle((ok, failure) -> null).get(30, TimeUnit.SECONDS);
      int received = stuck.drain().size();
      assertTrue(received < n, "a cut-off subscriber got " + received + " of " + n);
    } finally {
      stuck.close();
      readers.forEach(SseClient::close);
    }
  }
}
