package dev.crier.node.channel;

import static dev.crier.node.support.ChannelCalls.create;
import static dev.crier.node.support.ChannelCalls.read;
import static dev.crier.node.support.ChannelCalls.write;
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
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Channels across a two-node cluster: created, written and read through different nodes, whichever
 * node holds each channel; and many at once, each delivering only its own messages.
 */
class ChannelClusterTest {
  private static final Duration WAIT = Duration.ofSeconds(20);
  private static final String CONFIG = "crier.channels.create-rate = 0";
  private static TestNode a;
  private static TestNode b;

  @BeforeAll
  static void start() throws Exception {
    a = TestNode.start(CONFIG);
    b = TestNode.joining(a, CONFIG);
    Await.until(
        Duration.ofSeconds(20),
        () -> a.upMembers() == 2 && b.upMembers() == 2,
        () -> "the nodes did not form a cluster");
    // The channels' shard regions register with their coordinator once the cluster is up.
    Await.until(
        Duration.ofSeconds(30),
        () -> tryCreate(a) && tryCreate(b),
        () -> "no channel could be created on both nodes");
  }

  private static boolean tryCreate(TestNode node) throws Exception {
    return Http.postJson(node.http("/channels"), "", ChannelCalls.creator()).status() == 201;
  }

  @AfterAll
  static void stop() {
    b.close();
    a.close();
  }

  @Test
  void producerAndReaderOnDifferentNodes() throws Exception {
    // Twenty channels: sharding puts some on each node, so every path crosses nodes both ways.
    for (int i = 0; i < 20; i++) {
      TestNode creator = i % 2 == 0 ? a : b;
      TestNode producer = i % 2 == 0 ? b : a;
      ChannelCalls.Created channel = create(creator);
      assertEquals(201, write(producer, channel.producer(), "s", "buffered " + i).status());
      long opening = System.nanoTime();
      try (SseClient reader = read(creator, channel.consumer(), null)) {
        assertTrue(
            System.nanoTime() - opening < TimeUnit.SECONDS.toNanos(5),
            "the stream's head comes at once, not after a heartbeat");
        assertEquals(new SseEvent("s", "buffered " + i, "1"), reader.next(WAIT));
        assertEquals(201, write(producer, channel.producer(), "s", "live " + i).status());
        assertEquals(new SseEvent("s", "live " + i, "2"), reader.next(WAIT));
      }
      try (SseClient resumed = read(producer, channel.consumer(), "2")) {
        write(creator, channel.producer(), "s", "after " + i);
        assertEquals(new SseEvent("s", "after " + i, "3"), resumed.next(WAIT));
      }
    }
  }

  @Test
  void aThousandChannelsInParallelEachDeliverTheirOwnMessagesOnly() throws Exception {
    int count = 1000;
    ExecutorService pool = Executors.newFixedThreadPool(32);
    try {
      List<CompletableFuture<ChannelCalls.Created>> creating = new ArrayList<>();
      for (int i = 0; i < count; i++) {
        TestNode node = i % 2 == 0 ? a : b;
        creating.add(CompletableFuture.supplyAsync(() -> call(() -> create(node)), pool));
      }
      List<ChannelCalls.Created> channels = new ArrayList<>();
      for (CompletableFuture<ChannelCalls.Created> c : creating) {
        channels.add(c.get(60, TimeUnit.SECONDS));
      }
      List<SseClient> readers = new ArrayList<>();
      try {
        for (int i = 0; i < count; i++) {
          readers.add(read(i % 2 == 0 ? b : a, channels.get(i).consumer(), null));
        }
        List<CompletableFuture<Http.Answer>> writes = new ArrayList<>();
        for (int i = 0; i < count; i++) {
          int n = i;
          TestNode node = i % 3 == 0 ? a : b;
          writes.add(
              CompletableFuture.supplyAsync(
                  () ->
                      call(
                          () -> {
                            write(node, channels.get(n).producer(), "s", "c" + n + "-1");
                            return write(node, channels.get(n).producer(), "s", "c" + n + "-2");
                          }),
                  pool));
        }
        for (CompletableFuture<Http.Answer> w : writes) {
          assertEquals(201, w.get(60, TimeUnit.SECONDS).status());
        }
        for (int i = 0; i < count; i++) {
          List<SseEvent> got = readers.get(i).next(2, WAIT);
          assertEquals(
              List.of("c" + i + "-1", "c" + i + "-2"), got.stream().map(SseEvent::data).toList());
          assertTrue(readers.get(i).quietFor(Duration.ZERO), "channel " + i + " got nothing else");
        }
      } finally {
        readers.forEach(SseClient::close);
      }
      assertTrue(a.metric("crier_channels_open") + b.metric("crier_channels_open") >= count);
    } finally {
      pool.shutdownNow();
    }
  }

  private interface Call<T> {
    T run() throws Exception;
  }

  private static <T> T call(Call<T> call) {
    try {
      return call.run();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}
