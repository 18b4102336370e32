package dev.crier.node.channel;

import static dev.crier.node.support.ChannelCalls.create;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.crier.node.support.Await;
import dev.crier.node.support.ChannelCalls;
import dev.crier.node.support.Http;
import dev.crier.node.support.SseClient;
import dev.crier.node.support.TestNode;
import dev.crier.protocol.sse.SseEvent;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Memory mode, no database: a node holding channels is drained and leaves. Each of its channels
 * hands its messages to its next incarnation on another node, so every write answered 201, before
 * the drain or after, reaches its reader once and in order.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class ChannelHandOffTest {
  private static final Duration WAIT = Duration.ofSeconds(60);
  private static final int CHANNELS = 12;

  @Test
  void aDrainInMemoryModeMovesChannelsWithTheirMessages() throws Exception {
    TestNode a = TestNode.start("");
    TestNode b = TestNode.joining(a, "");
    TestNode c = TestNode.joining(a, "crier.drain.window = 1s");
    List<TestNode> all = new ArrayList<>(List.of(a, b, c));
    try {
      Await.until(WAIT, () -> a.upMembers() >= 3, () -> "the nodes did not form a cluster");
      List<ChannelCalls.Created> channels = new ArrayList<>();
      for (int i = 0; i < CHANNELS; i++) {
        channels.add(create(a));
      }
      for (ChannelCalls.Created ch : channels) {
        for (int m = 1; m <= 3; m++) {
          ChannelCalls.writeUntilStored(b.http("/channels"), ch.producer(), "m" + m, WAIT);
        }
      }
      assertTrue(c.metric("crier_channels_open") > 0, "the drained node holds channels");
      List<SseClient> readers = new ArrayList<>();
      List<List<SseEvent>> received = new ArrayList<>();
      for (ChannelCalls.Created ch : channels) {
        SseClient reader = ChannelCalls.read(a, ch.consumer(), null);
        readers.add(reader);
        received.add(new ArrayList<>(List.of(reader.next(WAIT))));
      }

      Http.Answer drain = c.drain();
      assertEquals(202, drain.status(), drain.raw().body());
      Await.until(WAIT, () -> a.upMembers() == 2, () -> "the drained node did not leave");
      all.remove(c);
      c.close();

      for (ChannelCalls.Created ch : channels) {
        for (int m = 4; m <= 6; m++) {
          ChannelCalls.writeUntilStored(b.http("/channels"), ch.producer(), "m" + m, WAIT);
        }
      }
      for (int i = 0; i < CHANNELS; i++) {
        List<SseEvent> got = received.get(i);
        readers.set(
            i,
            ChannelCalls.readUntil(
                readers.get(i), ChannelCalls.reader(a, channels.get(i).consumer()), got, 6, WAIT));
        assertEquals(
            List.of("m1", "m2", "m3", "m4", "m5", "m6"),
            got.stream().map(SseEvent::data).toList(),
            "channel " + i);
        assertEquals("6", got.get(5).lastEventId());
      }
      readers.forEach(SseClient::close);
    } finally {
      all.forEach(TestNode::close);
    }
  }
}
