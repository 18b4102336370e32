package dev.crier.node.publish;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.crier.node.Refusal;
import dev.crier.node.auth.Grants;
import dev.crier.node.limits.LimitSettings;
import dev.crier.node.limits.Limits;
import dev.crier.node.support.LocalActors;
import dev.crier.node.topic.DedupeSettings;
import dev.crier.node.topic.DirectEventTransport;
import dev.crier.node.topic.HistoryCounters;
import dev.crier.node.topic.HistorySettings;
import dev.crier.node.topic.HistoryStoreSettings;
import dev.crier.node.topic.OwnerMoves;
import dev.crier.node.topic.TopicOwner;
import dev.crier.node.topic.TopicOwnerSettings;
import dev.crier.node.topic.TopicOwners;
import dev.crier.protocol.topic.TopicPattern;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.apache.pekko.actor.testkit.typed.annotations.JUnit5TestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.JUnit5TestKitBuilder;
import org.apache.pekko.actor.testkit.typed.javadsl.LogCapturingExtension;
import org.apache.pekko.actor.testkit.typed.javadsl.TestKitJUnit5Extension;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The publisher against real topic owners (in memory): answers in the order given across topics;
 * grants, size and limits refuse before any owner is asked; an owner that does not answer in time
 * is an unknown outcome naming the keys to retry with; the bridge's grants skip per-client limits.
 */
@ExtendWith(TestKitJUnit5Extension.class)
@ExtendWith(LogCapturingExtension.class)
class PublisherTest {
  private static final Duration TIMEOUT = Duration.ofMillis(300);
  private static final PublishSettings PUBLISH =
      new PublishSettings(16, 100, 1024, TIMEOUT, Duration.ofDays(1));

  @JUnit5TestKit
  public ActorTestKit testKit =
      new JUnit5TestKitBuilder().withCustomConfig(LocalActors.config()).build();

  /** Stands in for an owner that never answers: it only records what it was asked. */
  private final TestProbe<TopicOwner.Command> silent = testKit.createTestProbe();

  private final String prefix = "publisher/" + UUID.randomUUID() + "/";
  private final Map<String, ActorRef<TopicOwner.Command>> started = new ConcurrentHashMap<>();

  /** Real owners, one per topic, except the topic {@code silent}. */
  private final TopicOwners owners =
      new TopicOwners() {
        @Override
        public void tell(String topic, TopicOwner.Command command) {
          owner(topic).tell(command);
        }

        @Override
        public <R> CompletionStage<R> ask(
            String topic, Function<ActorRef<R>, TopicOwner.Command> command, Duration timeout) {
          return AskPattern.ask(owner(topic), command::apply, timeout, testKit.scheduler());
        }
      };

  private ActorRef<TopicOwner.Command> owner(String topic) {
    if (topic.equals(prefix + "silent")) {
      return silent.ref();
    }
    return started.computeIfAbsent(
        topic,
        t ->
            testKit.spawn(
                TopicOwner.create(
                    t,
                    new TopicOwnerSettings(
                        new HistorySettings(100, Duration.ofHours(1)),
                        new DedupeSettings(Duration.ofMinutes(5), 100),
                        10,
                        new HistoryStoreSettings(
                            false,
                            "",
                            "",
                            "",
                            1,
                            1000,
                            1000,
                            Duration.ZERO,
                            Duration.ofMinutes(1))),
                    new DirectEventTransport(),
                    any -> Set.of(),
                    new HistoryCounters(),
                    Clock.systemUTC(),
                    OwnerMoves.NONE)));
  }

  private static Grants mayPublish(String subject, String pattern) {
    return new Grants(
        subject, null, Instant.MAX, List.of(), List.of(TopicPattern.parse(pattern)), false, null);
  }

  private Publisher publisher(LimitSettings limits) {
    return new Publisher(PUBLISH, new Limits(limits), owners, Clock.systemUTC());
  }

  private static LimitSettings noLimits() {
    return new LimitSettings(0, 0, 0, 100, 0, 1000, 0);
  }

  private Publisher.Event event(String topic, String data, String key) {
    return new Publisher.Event(prefix + topic, new TopicOwner.Draft(null, data, key));
  }

  private static Publisher.Outcome outcome(CompletionStage<Publisher.Outcome> stage)
      throws Exception {
    return stage.toCompletableFuture().get(5, TimeUnit.SECONDS);
  }

  private static Refusal refusal(Publisher.Outcome outcome) {
    return assertInstanceOf(Publisher.Outcome.Refused.class, outcome).refusal();
  }

  @Test
  void aBatchOverSeveralTopicsIsAnsweredInTheOrderGiven() throws Exception {
    Publisher.Outcome outcome =
        outcome(
            publisher(noLimits())
                .publish(
                    mayPublish("alice", "*"),
                    List.of(
                        event("a", "a1", "k1"), event("b", "b1", "k2"), event("a", "a2", "k3"))));
    List<Publisher.Answer> answers =
        assertInstanceOf(Publisher.Outcome.Accepted.class, outcome).answers();
    assertEquals(
        List.of(prefix + "a", prefix + "b", prefix + "a"),
        answers.stream().map(Publisher.Answer::topic).toList());
    assertEquals(
        List.of("k1", "k2", "k3"), answers.stream().map(Publisher.Answer::idempotencyKey).toList());
    assertTrue(
        answers.get(0).id().compareTo(answers.get(2).id()) < 0, "a's events in order: " + answers);

    Publisher.Outcome again =
        outcome(
            publisher(noLimits())
                .publish(mayPublish("alice", "*"), List.of(event("b", "b1", "k2"))));
    Publisher.Answer repeated =
        assertInstanceOf(Publisher.Outcome.Accepted.class, again).answers().get(0);
    assertTrue(repeated.duplicate(), "the same key again is the first event");
    assertEquals(answers.get(1).id(), repeated.id());
  }

  @Test
  void grantsSizeAndLimitsRefuseBeforeAnyOwnerIsAsked() throws Exception {
    Refusal forbidden =
        refusal(
            outcome(
                publisher(noLimits())
                    .publish(
                        mayPublish("alice", prefix + "silent"),
                        List.of(event("silent", "x", "k1"), event("other", "y", "k2")))));
    assertEquals(Refusal.Kind.FORBIDDEN, forbidden.kind());
    assertTrue(forbidden.message().endsWith(prefix + "other"), forbidden.message());

    Refusal tooLarge =
        refusal(
            outcome(
                publisher(noLimits())
                    .publish(
                        mayPublish("alice", "*"), List.of(event("silent", "é".repeat(9), "k1")))));
    assertEquals(Refusal.Kind.TOO_LARGE, tooLarge.kind(), "18 bytes in 9 chars, over 16");

    LimitSettings slow = new LimitSettings(0, 0, 0.001, 2, 0, 1000, 0);
    Publisher limited = publisher(slow);
    Grants bob = mayPublish("bob", "*");
    assertEquals(
        "invalid_batch",
        refusal(
                outcome(
                    limited.publish(
                        bob,
                        List.of(
                            event("silent", "1", "a"),
                            event("silent", "2", "b"),
                            event("silent", "3", "c")))))
            .code(),
        "more than the burst at once can never pass");
    Refusal rate = null;
    for (int i = 0; i < 3 && rate == null; i++) {
      Publisher.Outcome o = outcome(limited.publish(bob, List.of(event("a", "x" + i, "r" + i))));
      if (o instanceof Publisher.Outcome.Refused r) {
        rate = r.refusal();
      }
    }
    assertTrue(rate != null, "the third event within the burst of 2 is refused");
    assertEquals(Refusal.Kind.LIMITED, rate.kind());
    assertEquals("publish_rate", rate.code());
    assertTrue(rate.retryAfterSeconds() >= 1);
    silent.expectNoMessage(Duration.ofMillis(100));
  }

  @Test
  void anOwnerThatDoesNotAnswerInTimeIsAnUnknownOutcomeNamingTheKeys() throws Exception {
    Refusal unknown =
        refusal(
            outcome(
                publisher(noLimits())
                    .publish(mayPublish("alice", "*"), List.of(event("silent", "x", "key-1")))));
    assertEquals(Refusal.Kind.OUTCOME_UNKNOWN, unknown.kind());
    assertTrue(unknown.message().contains("[key-1]"), unknown.message());
    TopicOwner.Publish asked = silent.expectMessageClass(TopicOwner.Publish.class);
    assertTrue(
        asked.notAfterMillis() <= System.currentTimeMillis() + TIMEOUT.toMillis(),
        "the owner drops it after the deadline the caller waits for");
  }

  @Test
  void theBridgesGrantsPublishAnywhereWithoutPerClientLimits() throws Exception {
    Publisher limited = publisher(new LimitSettings(0, 0, 0.001, 1, 0, 1000, 0));
    for (int i = 0; i < 3; i++) {
      assertInstanceOf(
          Publisher.Outcome.Accepted.class,
          outcome(limited.publish(Publisher.BRIDGE, List.of(event("bridged", "e" + i, null)))));
    }
  }
}
