package dev.crier.node.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.crier.node.support.Await;
import dev.crier.node.support.Http;
import dev.crier.node.support.NodeProcess;
import dev.crier.node.support.Postgres;
import dev.crier.node.support.SseClient;
import dev.crier.protocol.sse.SseEvent;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Three packaged nodes sharing a real PostgreSQL journal; publishers on every node, a several-topic
 * subscriber on every node; one node is killed with SIGKILL mid-stream and its subscriber resumes
 * on another node with its last id. Every acknowledged event reaches every subscriber exactly once,
 * without a reset; no event answered 503 is ever delivered; the moved topics take publishes again
 * within seconds.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class SharedJournalFailoverIT {
  private static final String SECRET = "shared-journal-secret-0123456789abcdef0123";
  private static final int TOPICS = 9;
  private static final Duration WAIT = Duration.ofSeconds(60);
  private static final int RUN_AFTER_RESUME = 600;
  private static final long FAILOVER_BOUND_MILLIS = 10_000;

  private record Outcome(String data, String topic, int status, long sentAt) {}

  @Test
  void killMinusNineLosesNoAcknowledgedEventAndDeliversNoRefusedOne() throws Exception {
    try (Postgres pg = Postgres.start()) {
      List<NodeProcess> nodes =
          NodeProcess.cluster(
              3,
              SECRET,
              Map.of("CRIER_JOURNAL_URL", pg.url(), "CRIER_JOURNAL_USER", pg.user()),
              List.of());
      try {
        awaitNodes(nodes.get(0), 3);
        String subscriber = nodes.get(0).printed("crier: dev subscriber token:");
        String publisher = nodes.get(0).printed("crier: dev publisher token:");
        List<String> topics = IntStream.range(0, TOPICS).mapToObj(i -> "pg/t" + i).toList();
        String query =
            "/events?" + topics.stream().map(t -> "topic=" + t).collect(Collectors.joining("&"));
        List<SseClient> streams = new ArrayList<>();
        for (NodeProcess node : nodes) {
          SseClient stream = SseClient.open(node.http(query), subscriber);
          assertEquals(200, stream.status());
          streams.add(stream);
        }
        List<List<SseEvent>> received = new ArrayList<>();
        for (SseClient stream : streams) {
          received.add(Collections.synchronizedList(new ArrayList<>()));
        }
        // Every stream sees a first event of every topic before the publishers start.
        for (String topic : topics) {
          assertEquals(
              201,
              Http.postJson(
                      nodes.get(0).http("/publish"),
                      "{\"topic\":\"" + topic + "\",\"data\":\"warm " + topic + "\"}",
                      publisher)
                  .status());
        }
        for (int i = 0; i < 3; i++) {
          received.get(i).addAll(streams.get(i).next(TOPICS, WAIT));
        }

        List<Outcome> outcomes = Collections.synchronizedList(new ArrayList<>());
        AtomicBoolean publishing = new AtomicBoolean(true);
        List<Thread> publishers = new ArrayList<>();
        for (int p = 0; p < 3; p++) {
          NodeProcess node = nodes.get(p);
          int id = p;
          Thread t =
              new Thread(
                  () -> publishUntilStopped(node, id, topics, publisher, publishing, outcomes));
          t.start();
          publishers.add(t);
        }
        Await.until(
            WAIT, () -> acknowledged(outcomes) >= 300, () -> "the publishers did not get going");
        String victimLastId = lastId(received.get(2), streams.get(2));
        nodes.get(2).process().destroyForcibly().waitFor(30, TimeUnit.SECONDS);
        long killedAt = System.currentTimeMillis();
        System.out.printf("crier: killed node-3 at %tT.%<tL%n", killedAt);
        received.get(2).addAll(streams.get(2).drain());
        victimLastId =
            received.get(2).isEmpty()
                ? victimLastId
                : received.get(2).get(received.get(2).size() - 1).lastEventId();

        String cursor = victimLastId;
        SseClient[] attempt = new SseClient[1];
        Await.until(
            WAIT,
            () -> {
              attempt[0] =
                  SseClient.open(
                      nodes.get(0).http(query),
                      Map.of("Authorization", "Bearer " + subscriber, "Last-Event-ID", cursor));
              if (attempt[0].status() != 200) {
                attempt[0].close();
                return false;
              }
              return true;
            },
            () -> "the killed node's subscriber could not resume");
        SseClient resumed = attempt[0];
        long resumedAt = System.currentTimeMillis();
        System.out.printf("crier: resumed at %tT.%<tL from %s%n", resumedAt, victimLastId);
        // Publishing goes on until every topic has taken events again, and then some.
        int atResume = acknowledged(outcomes);
        Await.until(
            WAIT,
            () -> acknowledged(outcomes) >= atResume + RUN_AFTER_RESUME,
            () -> "publishing stalled after the resume");
        publishing.set(false);
        for (Thread t : publishers) {
          t.join();
        }

        Set<String> acked = new HashSet<>();
        Set<String> refused = new HashSet<>();
        Map<String, Long> firstAckAfterKill = new ConcurrentHashMap<>();
        int unknown = 0;
        for (Outcome o : outcomes) {
          if (o.status() == 201) {
            acked.add(o.data());
            if (o.sentAt() >= killedAt) {
              firstAckAfterKill.merge(o.topic(), o.sentAt() - killedAt, Math::min);
            }
          } else if (o.status() == 503) {
            refused.add(o.data());
          } else if (o.status() == 504) {
            unknown++;
          }
        }
        List<SseClient> readers = List.of(streams.get(0), streams.get(1), resumed);
        List<List<SseEvent>> views = List.of(received.get(0), received.get(1), received.get(2));
        for (int i = 0; i < 3; i++) {
          List<SseEvent> view = views.get(i);
          SseClient reader = readers.get(i);
          int subscriberIndex = i;
          Await.until(
              WAIT,
              () -> {
                view.addAll(reader.drain());
                return data(view).containsAll(acked);
              },
              () -> "acknowledged events missing at subscriber " + subscriberIndex);
          view.addAll(reader.settle(Duration.ofMillis(500)));
          List<String> seen = view.stream().map(SseEvent::data).toList();
          Set<String> missing = new HashSet<>(acked);
          missing.removeAll(seen);
          Set<String> delivered503 = new HashSet<>(refused);
          delivered503.retainAll(seen);
          Map<String, Long> counts =
              seen.stream().collect(Collectors.groupingBy(d -> d, Collectors.counting()));
          List<String> duplicates =
              counts.entrySet().stream()
                  .filter(e -> e.getValue() > 1)
                  .map(Map.Entry::getKey)
                  .toList();
          long resets = view.stream().filter(e -> "crier.reset".equals(e.type())).count();
          System.out.printf(
              "crier: subscriber %d: %d events, %d acknowledged missing, %d duplicates, %d resets,"
                  + " %d answered 503 delivered%n",
              i, seen.size(), missing.size(), duplicates.size(), resets, delivered503.size());
          if (!missing.isEmpty()) {
            System.out.printf(
                "crier: subscriber %d stream ended: %s; missing e.g. %s%n",
                i, readers.get(i).ended().isDone(), missing.stream().sorted().limit(10).toList());
          }
          assertEquals(Set.of(), missing, "acknowledged events lost by subscriber " + i);
          assertEquals(List.of(), duplicates, "duplicates at subscriber " + i);
          assertEquals(0, resets, "resets at subscriber " + i);
          assertEquals(
              Set.of(), delivered503, "events answered 503 yet delivered, subscriber " + i);
        }
        long failover =
            firstAckAfterKill.values().stream().mapToLong(Long::longValue).max().orElse(-1);
        System.out.printf(
            "crier: %d acknowledged, %d refused (503), %d unknown (504); every topic took publishes"
                + " again %d ms after the kill; the killed node's subscriber resumed after %d ms%n",
            acked.size(), refused.size(), unknown, failover, resumedAt - killedAt);
        assertEquals(
            TOPICS, firstAckAfterKill.size(), "a topic never took a publish after the kill");
        assertTrue(failover <= FAILOVER_BOUND_MILLIS, "failover took " + failover + " ms");
      } finally {
        nodes.forEach(NodeProcess::close);
      }
    }
  }

  /**
   * Publishes at a steady pace without waiting for answers, so that a request stuck on a moving
   * topic does not hold back the others and each topic's recovery shows when it happened.
   */
  private static void publishUntilStopped(
      NodeProcess node,
      int publisherId,
      List<String> topics,
      String token,
      AtomicBoolean publishing,
      List<Outcome> outcomes) {
    HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    List<CompletableFuture<Void>> pending = new ArrayList<>();
    for (int n = 0; publishing.get(); n++) {
      String topic = topics.get(n % topics.size());
      String data = "p" + publisherId + "-" + n;
      long sentAt = System.currentTimeMillis();
      pending.add(
          client
              .sendAsync(
                  HttpRequest.newBuilder(node.http("/topics/" + topic + "/events"))
                      .timeout(Duration.ofSeconds(10))
                      .header("Authorization", "Bearer " + token)
                      .POST(HttpRequest.BodyPublishers.ofString(data))
                      .build(),
                  HttpResponse.BodyHandlers.discarding())
              .handle(
                  (response, failure) -> {
                    int status = failure == null ? response.statusCode() : -1;
                    outcomes.add(new Outcome(data, topic, status, sentAt));
                    return null;
                  }));
      try {
        Thread.sleep(30);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
    CompletableFuture.allOf(pending.toArray(CompletableFuture[]::new)).join();
  }

  private static int acknowledged(List<Outcome> outcomes) {
    synchronized (outcomes) {
      return (int) outcomes.stream().filter(o -> o.status() == 201).count();
    }
  }

  private static String lastId(List<SseEvent> received, SseClient stream) {
    received.addAll(stream.drain());
    return received.get(received.size() - 1).lastEventId();
  }

  private static Set<String> data(List<SseEvent> events) {
    synchronized (events) {
      return events.stream().map(SseEvent::data).collect(Collectors.toSet());
    }
  }

  private static void awaitNodes(NodeProcess node, int n) throws Exception {
    URI nodesUri = node.management("/crier/nodes");
    Await.until(
        WAIT,
        () -> Http.get(nodesUri, null).json().get("nodes").size() >= n,
        () -> "the nodes did not all appear in /crier/nodes");
  }
}
