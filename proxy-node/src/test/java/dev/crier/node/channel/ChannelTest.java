package dev.crier.node.channel;

import static dev.crier.node.support.ChannelCalls.create;
import static dev.crier.node.support.ChannelCalls.creator;
import static dev.crier.node.support.ChannelCalls.read;
import static dev.crier.node.support.ChannelCalls.write;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.crier.node.support.Await;
import dev.crier.node.support.ChannelCalls;
import dev.crier.node.support.Http;
import dev.crier.node.support.SseClient;
import dev.crier.node.support.TestNode;
import dev.crier.protocol.sse.SseEvent;
import java.net.http.HttpRequest;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Channels on one real node, over real HTTP: write, read, resume, back-pressure, lifetime. */
class ChannelTest {
  private static final Duration WAIT = Duration.ofSeconds(10);
  private static TestNode node;

  @BeforeAll
  static void start() {
    node =
        TestNode.start(
            "crier.channels { buffer = 3, write-timeout = 1s, ttl = 3s, resend-window = 2 }\n"
                + "crier.subscribe.heartbeat = 1s");
  }

  @AfterAll
  static void stop() {
    node.close();
  }

  @Test
  void aReaderGetsBufferedMessagesThenLiveOnesEachWithItsIdAndStream() throws Exception {
    ChannelCalls.Created channel = create(node);
    assertEquals(44, channel.producer().length());
    assertNotEquals(channel.producer(), channel.consumer());
    Http.Answer first = write(node, channel.producer(), "progress", "10%");
    assertEquals(201, first.status(), first.raw().body());
    assertEquals("1", first.json().get("id").asText());
    write(node, channel.producer(), "progress", "line one\nline two");
    try (SseClient reader = read(node, channel.consumer(), null)) {
      assertEquals(200, reader.status());
      List<SseEvent> buffered = reader.next(2, WAIT);
      assertEquals(new SseEvent("progress", "10%", "1"), buffered.get(0));
      assertEquals(new SseEvent("progress", "line one\nline two", "2"), buffered.get(1));
      assertEquals(201, write(node, channel.producer(), "result", "{\"ok\":true}").status());
      assertEquals(new SseEvent("result", "{\"ok\":true}", "3"), reader.next(WAIT));
    }
  }

  @Test
  void aReconnectWithLastEventIdLosesAndRepeatsNothing() throws Exception {
    ChannelCalls.Created channel = create(node);
    for (int i = 1; i <= 3; i++) {
      write(node, channel.producer(), "n", "m" + i);
    }
    try (SseClient reader = read(node, channel.consumer(), null)) {
      assertEquals("m3", reader.next(3, WAIT).get(2).data());
    }
    // Written while no reader is connected; the reader had everything up to 2 for sure.
    write(node, channel.producer(), "n", "m4");
    try (SseClient reader = read(node, channel.consumer(), "2")) {
      List<SseEvent> events = reader.next(2, WAIT);
      assertEquals(List.of("m3", "m4"), events.stream().map(SseEvent::data).toList());
      assertEquals(List.of("3", "4"), events.stream().map(SseEvent::lastEventId).toList());
      assertTrue(reader.quietFor(Duration.ofMillis(500)), "nothing repeated after m4");
    }
    // A reader that resumes past everything gets only what comes next.
    try (SseClient reader = read(node, channel.consumer(), "4")) {
      assertTrue(reader.quietFor(Duration.ofMillis(300)));
      write(node, channel.producer(), "n", "m5");
      assertEquals(new SseEvent("n", "m5", "5"), reader.next(WAIT));
    }
  }

  @Test
  void aWriteRepeatedWithItsIdempotencyKeyIsStoredOnce() throws Exception {
    ChannelCalls.Created channel = create(node);
    for (int attempt = 0; attempt < 2; attempt++) {
      Http.Answer a =
          Http.send(
              HttpRequest.newBuilder(node.http("/channels/" + channel.producer() + "/n"))
                  .header("Crier-Idempotency-Key", "job-7")
                  .POST(HttpRequest.BodyPublishers.ofString("once"))
                  .build());
      assertEquals(201, a.status(), a.raw().body());
      assertEquals("1", a.json().get("id").asText());
    }
    try (SseClient reader = read(node, channel.consumer(), null)) {
      assertEquals("once", reader.next(WAIT).data());
      assertTrue(reader.quietFor(Duration.ofMillis(300)), "stored once");
    }
  }

  @Test
  void aResumeFromBeforeWhatTheChannelStillHoldsStartsWithAReset() throws Exception {
    ChannelCalls.Created channel = create(node);
    for (int i = 1; i <= 3; i++) {
      write(node, channel.producer(), "n", "m" + i);
    }
    try (SseClient reader = read(node, channel.consumer(), null)) {
      assertEquals("m3", reader.next(3, WAIT).get(2).data());
    }
    // The resend window (2) let message 1 go once 3 had been handed out.
    try (SseClient reader = read(node, channel.consumer(), "0")) {
      assertEquals(new SseEvent("crier.reset", "{\"after\":\"1\"}", ""), reader.next(WAIT));
      assertEquals(List.of("m2", "m3"), reader.next(2, WAIT).stream().map(SseEvent::data).toList());
    }
  }

  @Test
  void aFullBufferMakesAWriteWaitThen503AfterTheTimeout() throws Exception {
    ChannelCalls.Created channel = create(node);
    for (int i = 1; i <= 3; i++) {
      assertEquals(201, write(node, channel.producer(), "n", "m" + i).status());
    }
    long started = System.nanoTime();
    Http.Answer refused = write(node, channel.producer(), "n", "m4");
    long waitedMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
    assertEquals(503, refused.status(), refused.raw().body());
    assertEquals("channel_full", refused.json().get("error").asText());
    assertEquals("1", refused.raw().headers().firstValue("Retry-After").orElseThrow());
    assertTrue(waitedMillis >= 900, "the write waited for room, " + waitedMillis + " ms");
    try (SseClient reader = read(node, channel.consumer(), null)) {
      assertEquals(
          List.of("m1", "m2", "m3"), reader.next(3, WAIT).stream().map(SseEvent::data).toList());
      assertTrue(reader.quietFor(Duration.ofMillis(300)), "the refused write was not stored");
    }
  }

  @Test
  void waitingWritesCompleteInOrderAsTheReaderReads() throws Exception {
    ChannelCalls.Created channel = create(node);
    for (int i = 1; i <= 3; i++) {
      write(node, channel.producer(), "n", "m" + i);
    }
    CompletableFuture<Http.Answer> fourth = writeAsync(channel.producer(), "m4");
    awaitWaitingWrites(1);
    CompletableFuture<Http.Answer> fifth = writeAsync(channel.producer(), "m5");
    awaitWaitingWrites(2);
    assertFalse(fourth.isDone(), "a write to a full buffer waits");
    try (SseClient reader = read(node, channel.consumer(), null)) {
      List<SseEvent> events = reader.next(5, WAIT);
      assertEquals(
          List.of("m1", "m2", "m3", "m4", "m5"), events.stream().map(SseEvent::data).toList());
      assertEquals("4", fourth.get(5, TimeUnit.SECONDS).json().get("id").asText());
      assertEquals("5", fifth.get(5, TimeUnit.SECONDS).json().get("id").asText());
    }
  }

  @Test
  void aRetryWaitingBehindItsOriginalIsStoredOnce() throws Exception {
    ChannelCalls.Created channel = create(node);
    for (int i = 1; i <= 3; i++) {
      write(node, channel.producer(), "n", "m" + i);
    }
    CompletableFuture<Http.Answer> original = writeAsync(channel.producer(), "job", "m4");
    awaitWaitingWrites(1);
    CompletableFuture<Http.Answer> retry = writeAsync(channel.producer(), "job", "m4");
    awaitWaitingWrites(2);
    try (SseClient reader = read(node, channel.consumer(), null)) {
      assertEquals(
          List.of("m1", "m2", "m3", "m4"),
          reader.next(4, WAIT).stream().map(SseEvent::data).toList());
      assertEquals("4", original.get(5, TimeUnit.SECONDS).json().get("id").asText());
      assertEquals("4", retry.get(5, TimeUnit.SECONDS).json().get("id").asText());
      assertTrue(reader.quietFor(Duration.ofMillis(300)), "the retry was not stored again");
    }
  }

  @Test
  void aChannelNotReadForItsTtlIsDeletedAndItsReaderToldSo() throws Exception {
    ChannelCalls.Created channel = create(node);
    write(node, channel.producer(), "n", "m1");
    try (SseClient reader = read(node, channel.consumer(), null)) {
      assertEquals("m1", reader.next(WAIT).data());
      SseEvent closed = reader.next(Duration.ofSeconds(8));
      assertEquals(new SseEvent("crier.closed", "{\"reason\":\"expired\"}", "1"), closed);
      reader.ended().get(5, TimeUnit.SECONDS);
    }
    Http.Answer write = write(node, channel.producer(), "n", "late");
    assertEquals(404, write.status());
    assertEquals("channel_not_found", write.json().get("error").asText());
    assertEquals(404, Http.get(ChannelCalls.reader(node, channel.consumer()), null).status());
    assertTrue(node.metric("crier_channels_expired_total") >= 1);
  }

  @Test
  void deletingClosesAtOnce() throws Exception {
    ChannelCalls.Created channel = create(node);
    try (SseClient reader = read(node, channel.consumer(), null)) {
      assertEquals(404, ChannelCalls.delete(node, channel.consumer()).status());
      assertEquals(204, ChannelCalls.delete(node, channel.producer()).status());
      assertEquals("{\"reason\":\"deleted\"}", reader.next(WAIT).data());
    }
    assertEquals(404, ChannelCalls.delete(node, channel.producer()).status());
    assertEquals(404, write(node, channel.producer(), "n", "x").status());
  }

  @Test
  void aSecondReaderTakesTheChannelOverAndTheFirstIsTold() throws Exception {
    ChannelCalls.Created channel = create(node);
    write(node, channel.producer(), "n", "m1");
    try (SseClient first = read(node, channel.consumer(), null)) {
      assertEquals("m1", first.next(WAIT).data());
      try (SseClient second = read(node, channel.consumer(), "1")) {
        assertEquals("crier.replaced", first.next(WAIT).type());
        write(node, channel.producer(), "n", "m2");
        assertEquals(new SseEvent("n", "m2", "2"), second.next(WAIT));
      }
    }
  }

  @Test
  void wrongUnknownAndMalformedAddressesAreJsonErrors() throws Exception {
    ChannelCalls.Created channel = create(node);
    String unknown = "A".repeat(44);
    for (Http.Answer a :
        List.of(
            write(node, unknown, "n", "x"),
            write(node, channel.consumer(), "n", "x"),
            Http.get(ChannelCalls.reader(node, unknown), null),
            Http.get(ChannelCalls.reader(node, channel.producer()), null))) {
      assertEquals(404, a.status(), a.raw().body());
      assertEquals("channel_not_found", a.json().get("error").asText());
    }
    Http.Answer malformed = write(node, "short", "n", "x");
    assertEquals(400, malformed.status());
    assertEquals("invalid_address", malformed.json().get("error").asText());
    assertEquals(400, Http.get(ChannelCalls.reader(node, "short"), null).status());
    // Only a write has a stream id after the address.
    assertEquals(
        405, Http.get(ChannelCalls.reader(node, channel.consumer() + "/n"), null).status());
    Http.Answer badStream = write(node, channel.producer(), "crier.closed", "x");
    assertEquals("invalid_stream_id", badStream.json().get("error").asText());
    Http.Answer badCursor =
        Http.send(
            HttpRequest.newBuilder(ChannelCalls.reader(node, channel.consumer()))
                .header("Last-Event-ID", "1-2")
                .GET()
                .build());
    assertEquals("invalid_cursor", badCursor.json().get("error").asText());
    Http.Answer future =
        Http.send(
            HttpRequest.newBuilder(ChannelCalls.reader(node, channel.consumer()))
                .header("Last-Event-ID", "9")
                .GET()
                .build());
    assertEquals(400, future.status());
    assertEquals("invalid_cursor", future.json().get("error").asText());
    assertTrue(node.metric("crier_channel_writes_refused_total{reason=\"unknown\"}") >= 2);
  }

  @Test
  void creatingNeedsATokenWithTheChannelsClaim() throws Exception {
    assertEquals(401, Http.postJson(node.http("/channels"), "", null).status());
    Http.Answer forbidden = Http.postJson(node.http("/channels"), "", TestNode.allAccess());
    assertEquals(403, forbidden.status());
    assertEquals("forbidden", forbidden.json().get("error").asText());
    Http.Answer created = Http.postJson(node.http("/channels"), "", creator());
    assertEquals(201, created.status());
    assertTrue(
        created.json().get("expiresAt").asLong() > System.currentTimeMillis() / 1000,
        created.raw().body());
  }

  /** Waits until the node's channels hold this many writes waiting for room. */
  private static void awaitWaitingWrites(int n) throws Exception {
    Await.until(
        WAIT,
        () -> node.metric("crier_channel_writes_waiting") == n,
        () -> n + " writes never waited for room");
  }

  private static CompletableFuture<Http.Answer> writeAsync(String producer, String body) {
    return writeAsync(producer, null, body);
  }

  private static CompletableFuture<Http.Answer> writeAsync(
      String producer, String idempotencyKey, String body) {
    return CompletableFuture.supplyAsync(
        () -> {
          try {
            HttpRequest.Builder request =
                HttpRequest.newBuilder(node.http("/channels/" + producer + "/n"))
                    .POST(HttpRequest.BodyPublishers.ofString(body));
            if (idempotencyKey != null) {
              request.header("Crier-Idempotency-Key", idempotencyKey);
            }
            return Http.send(request.build());
          } catch (Exception e) {
            throw new IllegalStateException(e);
          }
        });
  }
}
