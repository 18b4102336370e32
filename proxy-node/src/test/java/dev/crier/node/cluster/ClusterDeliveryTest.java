package dev.crier.node.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.crier.node.support.Await;
import dev.crier.node.support.Http;
import dev.crier.node.support.SseClient;
import dev.crier.node.support.TestNode;
import dev.crier.protocol.sse.SseEvent;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.typed.Cluster;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** Three nodes in one JVM, each a full Crier node, formed into one cluster from a seed. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ClusterDeliveryTest {
  private static final String TOKEN = TestNode.allAccess();
  private static final Duration WAIT = Duration.ofSeconds(30);
  private final List<TestNode> nodes = new ArrayList<>();

  @BeforeAll
  void formCluster() throws Exception {
    TestNode first = TestNode.start();
    nodes.add(first);
    nodes.add(TestNode.joining(first, ""));
    nodes.add(TestNode.joining(first, ""));
    Await.until(WAIT, () -> allSeeThreeUp(), () -> "cluster of three did not form");
  }

  private boolean allSeeThreeUp() {
    for (TestNode node : nodes) {
      long up = 0;
      for (org.apache.pekko.cluster.Member m : Cluster.get(node.system()).state().getMembers()) {
        if (m.status() == MemberStatus.up()) {
          up++;
        }
      }
      if (up < 3) {
        return false;
      }
    }
    return true;
  }

  @AfterAll
  void stop() {
    for (int i = nodes.size() - 1; i >= 0; i--) {
      nodes.get(i).close();
    }
  }

  private static String topic() {
    return "cluster/" + UUID.randomUUID();
  }

  private static void publishBatches(TestNode node, String topic, int from, int n, String prefix)
      throws Exception {
    for (int start = from; start < from + n; start += 100) {
      StringBuilder json = new StringBuilder("[");
      for (int i = start; i < Math.min(from + n, start + 100); i++) {
        json.append(i == start ? "" : ",")
            .append("{\"topic\":\"")
            .append(topic)
            .append("\",\"data\":\"")
            .append(prefix)
            .append(i)
            .append("\"}");
      }
      Http.Answer a = Http.postJson(node.http("/publish"), json.append("]").toString(), TOKEN);
      assertEquals(201, a.status(), a.raw().body());
    }
  }

  private static List<String> data(List<SseEvent> events) {
    return events.stream().map(SseEvent::data).toList();
  }

  private static List<String> expected(String prefix, int from, int n) {
    List<String> out = new ArrayList<>();
    for (int i = from; i < from + n; i++) {
      out.add(prefix + i);
    }
    return out;
  }

  @Test
  void eventsPublishedOnOneNodeReachSubscribersOnTheOthersOnceAndInOrder() throws Exception {
    String topic = topic();
    try (SseClient onTwo = SseClient.open(nodes.get(1).http("/events/" + topic), TOKEN);
        SseClient onThree = SseClient.open(nodes.get(2).http("/events/" + topic), TOKEN)) {
      publishBatches(nodes.get(0), topic, 0, 1000, "e");
      assertEquals(expected("e", 0, 1000), data(onTwo.next(1000, WAIT)));
      assertEquals(expected("e", 0, 1000), data(onThree.next(1000, WAIT)));
      assertTrue(onTwo.quietFor(Duration.ofMillis(300)));
      assertTrue(onThree.quietFor(Duration.ofMillis(10)));
    }
  }

  /**
   * A stream of the topic from this node. The first subscriber of a new topic waits for its owner
   * to start somewhere in the cluster; on a loaded machine that can outlast the owner timeout, and
   * the node then answers 503, as API.md says, so the test comes back as a client would until it is
   * answered 200.
   */
  private static SseClient subscribed(TestNode node, String topic) throws Exception {
    SseClient[] answered = new SseClient[1];
    Await.until(
        WAIT,
        () -> {
          SseClient client = SseClient.open(node.http("/events/" + topic), TOKEN);
          if (client.status() == 200) {
            answered[0] = client;
            return true;
          }
          client.close();
          assertEquals(503, client.status(), "subscribing on " + node.http("/"));
          return false;
        },
        () -> "still 503 after " + WAIT + " on " + node.http("/"));
    return answered[0];
  }

  @Test
  void concurrentPublishersOnEveryNodeGiveEverySubscriberTheSameOrder() throws Exception {
    String topic = topic();
    List<SseClient> clients = new ArrayList<>();
    try {
      for (TestNode node : nodes) {
        clients.add(subscribed(node, topic));
      }
      List<CompletableFuture<Void>> publishers = new ArrayList<>();
      for (int p = 0; p < nodes.size(); p++) {
        TestNode node = nodes.get(p);
        String prefix = "n" + p + "-";
        publishers.add(
            CompletableFuture.runAsync(
                () -> {
                  try {
                    for (int i = 0; i < 100; i++) {
                      assertEquals(201, Http.publish(node, topic, prefix + i, TOKEN).status());
                    }
                  } catch (Exception e) {
                    throw new IllegalStateException(e);
                  }
                }));
      }
      CompletableFuture.allOf(publishers.toArray(CompletableFuture[]::new)).get();
      List<SseEvent> reference = clients.get(0).next(300, WAIT);
      for (int p = 0; p < nodes.size(); p++) {
        String prefix = "n" + p + "-";
        List<String> own = data(reference).stream().filter(d -> d.startsWith(prefix)).toList();
        assertEquals(expected(prefix, 0, 100), own, "each publisher's order is kept");
      }
      for (SseClient other : clients.subList(1, clients.size())) {
        List<SseEvent> got = other.next(300, WAIT);
        assertEquals(data(reference), data(got));
        assertEquals(
            reference.stream().map(SseEvent::lastEventId).toList(),
            got.stream().map(SseEvent::lastEventId).toList());
      }
      for (SseClient client : clients) {
        assertTrue(client.quietFor(Duration.ofMillis(500)), "an event came twice");
      }
    } finally {
      clients.forEach(SseClient::close);
    }
  }

  @Test
  void managementShowsMembersNodesAndWhereTopicsHaveSubscribers() throws Exception {
    String topic = topic();
    try (SseClient onTwo = SseClient.open(nodes.get(1).http("/events/" + topic), TOKEN);
        SseClient onThree = SseClient.open(nodes.get(2).http("/events/" + topic), TOKEN)) {
      TestNode first = nodes.get(0);
      Http.Answer members = Http.get(first.management("/cluster/members"), null);
      assertEquals(200, members.status());
      assertEquals(3, members.json().get("members").size());
      String[] last = {""};
      Await.until(
          WAIT,
          () -> {
            Http.Answer topics = Http.get(first.management("/cluster/topics?limit=100000"), null);
            Http.Answer crierNodes = Http.get(first.management("/crier/nodes"), null);
            assertEquals(200, topics.status());
            assertEquals(200, crierNodes.status());
            assertEquals(3, crierNodes.json().get("nodes").size());
            last[0] = topics.raw().body() + crierNodes.raw().body();
            int where = 0;
            for (var t : topics.json().get("topics")) {
              if (t.get("topic").asText().equals(topic)) {
                where = t.get("nodes").size();
              }
            }
            int connections = 0;
            for (var n : crierNodes.json().get("nodes")) {
              assertEquals("Up", n.get("status").asText());
              connections += n.has("connections") ? n.get("connections").asInt() : 0;
            }
            return where == 2 && connections == 2;
          },
          () -> last[0]);
    }
  }

  @Test
  void theRegistryOfTenThousandTopicsOnThreeNodesConvergesAndForgets() throws Exception {
    List<RegistryView> views = new ArrayList<>();
    List<org.apache.pekko.actor.typed.ActorRef<SubscriberRegistry.Command>> registries =
        new ArrayList<>();
    List<org.apache.pekko.actor.typed.ActorRef<dev.crier.node.topic.TopicHubs.Command>> stand =
        new ArrayList<>();
    String run = UUID.randomUUID().toString();
    for (TestNode node : nodes) {
      RegistryView view = new RegistryView(64);
      views.add(view);
      registries.add(
          node.system()
              .systemActorOf(
                  SubscriberRegistry.create(view),
                  "registry-" + run,
                  org.apache.pekko.actor.typed.Props.empty()));
      stand.add(
          node.system()
              .systemActorOf(
                  org.apache.pekko.actor.typed.javadsl.Behaviors.ignore(),
                  "node-" + run,
                  org.apache.pekko.actor.typed.Props.empty()));
    }
    int n = 10_000;
    for (int i = 0; i < n; i++) {
      for (int k = 0; k < 3; k++) {
        registries.get(k).tell(new SubscriberRegistry.Register(run + "/" + i, stand.get(k)));
      }
    }
    awaitRegistry(views, run, n, 3);
    for (int i = 0; i < n; i++) {
      registries.get(2).tell(new SubscriberRegistry.Unregister(run + "/" + i, stand.get(2)));
    }
    awaitRegistry(views, run, n, 2);
  }

  private static void awaitRegistry(List<RegistryView> views, String run, int topics, int nodesEach)
      throws Exception {
    Await.until(
        Duration.ofSeconds(60),
        () ->
            views.stream()
                .allMatch(
                    view ->
                        view.all().entrySet().stream()
                                .filter(
                                    e ->
                                        e.getKey().startsWith(run + "/")
                                            && e.getValue().size() == nodesEach)
                                .count()
                            == topics),
        () -> "registry did not converge to " + nodesEach + " nodes");
  }

  @Test
  void aSubscriberResumesOnAnotherNodeWithoutLossOrDuplicate() throws Exception {
    String topic = topic();
    String lastId;
    try (SseClient onThree = SseClient.open(nodes.get(2).http("/events/" + topic), TOKEN)) {
      publishBatches(nodes.get(0), topic, 0, 50, "e");
      List<SseEvent> first = onThree.next(50, WAIT);
      lastId = first.get(49).lastEventId();
    }
    publishBatches(nodes.get(1), topic, 50, 30, "e");
    try (SseClient onTwo =
        SseClient.open(
            nodes.get(1).http("/events/" + topic),
            Map.of("Authorization", "Bearer " + TOKEN, "Last-Event-ID", lastId))) {
      assertEquals(expected("e", 50, 30), data(onTwo.next(30, WAIT)));
      publishBatches(nodes.get(2), topic, 80, 20, "e");
      assertEquals(expected("e", 80, 20), data(onTwo.next(20, WAIT)));
      assertTrue(onTwo.quietFor(Duration.ofMillis(300)));
    }
  }
}
