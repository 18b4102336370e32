package dev.crier.node.channel;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.crier.node.support.Await;
import dev.crier.node.support.ChannelCalls;
import dev.crier.node.support.Http;
import dev.crier.node.support.NodeProcess;
import dev.crier.node.support.Postgres;
import dev.crier.node.support.SseClient;
import dev.crier.protocol.sse.SseEvent;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Three packaged nodes sharing a real PostgreSQL journal hold channels; one node is killed with
 * SIGKILL. Its channels move, with what they had stored: every write that was answered 201, before
 * the kill or after, reaches its channel's reader exactly once and in order, the reader resuming
 * with its last id if its stream ended.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class ChannelFailoverIT {
  private static final String SECRET = "channel-failover-secret-0123456789abcdef";
  private static final int CHANNELS = 30;
  private static final int BEFORE = 4;
  private static final int AFTER = 4;
  private static final Duration WAIT = Duration.ofSeconds(60);

  private record Channel(String producer, String consumer) {}

  @Test
  void killMinusNineLosesNoAcknowledgedChannelMessage() throws Exception {
    try (Postgres pg = Postgres.start()) {
      List<NodeProcess> nodes =
          NodeProcess.cluster(
              3,
              SECRET,
              Map.of("CRIER_JOURNAL_URL", pg.url(), "CRIER_JOURNAL_USER", pg.user()),
              List.of());
      try {
        NodeProcess reading = nodes.get(0);
        NodeProcess writing = nodes.get(1);
        Await.until(
            WAIT,
            () ->
                Http.get(reading.management("/crier/nodes"), null).json().get("nodes").size() >= 3,
            () -> "the nodes did not all appear in /crier/nodes");
        String creator = reading.printed("crier: dev publisher token:");
        List<Channel> channels = new ArrayList<>();
        for (int i = 0; i < CHANNELS; i++) {
          Http.Answer created = Http.postJson(reading.http("/channels"), "", creator);
          assertEquals(201, created.status(), created.raw().body());
          channels.add(
              new Channel(
                  created.json().get("producerAddress").asText(),
                  created.json().get("consumerAddress").asText()));
        }
        for (Channel c : channels) {
          for (int m = 1; m <= BEFORE; m++) {
            ChannelCalls.writeUntilStored(writing.http("/channels"), c.producer(), "m" + m, WAIT);
          }
        }
        List<SseClient> readers = new ArrayList<>();
        List<List<SseEvent>> received = new ArrayList<>();
        for (Channel c : channels) {
          SseClient reader = SseClient.open(reading.http("/channels/" + c.consumer()), Map.of());
          readers.add(reader);
          received.add(new ArrayList<>(reader.next(2, WAIT)));
        }
        nodes.get(2).process().destroyForcibly().waitFor(30, TimeUnit.SECONDS);
        for (Channel c : channels) {
          for (int m = BEFORE + 1; m <= BEFORE + AFTER; m++) {
            ChannelCalls.writeUntilStored(writing.http("/channels"), c.producer(), "m" + m, WAIT);
          }
        }
        for (int i = 0; i < CHANNELS; i++) {
          List<SseEvent> got = received.get(i);
          readers.set(
              i,
              ChannelCalls.readUntil(
                  readers.get(i),
                  reading.http("/channels/" + channels.get(i).consumer()),
                  got,
                  BEFORE + AFTER,
                  WAIT));
          List<String> expected = new ArrayList<>();
          for (int m = 1; m <= BEFORE + AFTER; m++) {
            expected.add("m" + m);
          }
          assertEquals(
              expected, got.stream().map(SseEvent::data).toList(), "channel " + i + " in order");
        }
        readers.forEach(SseClient::close);
      } finally {
        nodes.forEach(NodeProcess::close);
      }
    }
  }
}
