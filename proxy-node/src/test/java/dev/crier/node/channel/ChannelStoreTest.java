package dev.crier.node.channel;

import static dev.crier.node.support.ChannelCalls.create;
import static dev.crier.node.support.ChannelCalls.read;
import static dev.crier.node.support.ChannelCalls.write;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.crier.node.support.ChannelCalls;
import dev.crier.node.support.Http;
import dev.crier.node.support.SseClient;
import dev.crier.node.support.TestNode;
import dev.crier.protocol.sse.SseEvent;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * With the journal, a channel outlives its node: stopped and started again on the same store, it
 * holds what it had stored, resumes its reader after its last id and numbers on where it was.
 */
class ChannelStoreTest {
  private static final Duration WAIT = Duration.ofSeconds(10);

  @Test
  void aChannelSurvivesARestartOfItsNode(@TempDir Path data) throws Exception {
    String hocon = "crier.history.store = journal\ncrier.data-dir = \"" + data + "\"\n";
    ChannelCalls.Created channel;
    try (TestNode first = TestNode.start(hocon)) {
      channel = create(first);
      for (int i = 1; i <= 3; i++) {
        assertEquals(201, write(first, channel.producer(), "s", "m" + i).status());
      }
      try (SseClient reader = read(first, channel.consumer(), null)) {
        assertEquals("m1", reader.next(WAIT).data());
      }
    }
    try (TestNode second = TestNode.start(hocon)) {
      assertEquals("4", write(second, channel.producer(), "s", "m4").json().get("id").asText());
      try (SseClient reader = read(second, channel.consumer(), "1")) {
        List<SseEvent> events = reader.next(3, WAIT);
        assertEquals(List.of("m2", "m3", "m4"), events.stream().map(SseEvent::data).toList());
        assertEquals("4", events.get(2).lastEventId());
      }
      assertEquals(204, ChannelCalls.delete(second, channel.producer()).status());
    }
    try (TestNode third = TestNode.start(hocon)) {
      assertEquals(404, write(third, channel.producer(), "s", "late").status());
    }
  }

  @Test
  void openCreationNeedsNoTokenAndIsRateLimitedPerAddress() throws Exception {
    try (TestNode node =
        TestNode.start("crier.channels { create = open, create-rate = 0.1, create-burst = 2 }")) {
      for (int i = 0; i < 2; i++) {
        assertEquals(201, Http.postJson(node.http("/channels"), "", null).status());
      }
      Http.Answer limited = Http.postJson(node.http("/channels"), "", null);
      assertEquals(429, limited.status());
      assertEquals("channel_create_rate", limited.json().get("error").asText());
      assertEquals(1.0, node.metric("crier_limit_rejects_total{limit=\"channel_create_rate\"}"));
    }
  }
}
