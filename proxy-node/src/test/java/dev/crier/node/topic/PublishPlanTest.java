package dev.crier.node.topic;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.crier.protocol.cursor.Position;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class PublishPlanTest {
  private static final long NOW = 1_700_000_000_000L;
  private static final String TOPIC = "plan/topic";

  private static TopicState state(int maxScheduled) {
    return new TopicState(
        new TopicOwnerSettings(
            new HistorySettings(100, Duration.ofHours(1)),
            new DedupeSettings(Duration.ofMinutes(5), 100),
            maxScheduled,
            TopicOwnerTest.MEMORY),
        new HistoryCounters());
  }

  private static PublishPlan plan(TopicState state, TopicOwner.Draft... drafts) {
    return PublishPlan.of(TOPIC, state, List.of(drafts), NOW, 2);
  }

  private static TopicState applied(TopicState state, PublishPlan plan) {
    plan.toStore().forEach(state::apply);
    return state;
  }

  @Test
  void aNewTopicStartsItsEpochAndSequencesFromOne() {
    PublishPlan plan =
        plan(state(2), new TopicOwner.Draft("a", "1", null), new TopicOwner.Draft(null, "2", null));
    assertEquals(new TopicOwner.Started(NOW), plan.toStore().get(0));
    assertEquals(3, plan.toStore().size());
    assertEquals(List.of(1L, 2L), plan.deliver().stream().map(TopicEvent::seq).toList());
    TopicOwner.Accepted first = plan.answer().accepted().get(0);
    assertEquals(new Position(NOW, 1), first.position());
    assertEquals(first.position().toString(), first.id());
    assertFalse(first.duplicate());
    assertNull(plan.answer().refusal());
  }

  @Test
  void aKeyRepeatedInOnePublishIsStoredOnce() {
    PublishPlan plan =
        plan(
            state(2),
            new TopicOwner.Draft(null, "first", "k"),
            new TopicOwner.Draft(null, "again", "k"));
    assertEquals(2, plan.toStore().size());
    assertEquals(1, plan.deliver().size());
    TopicOwner.Accepted again = plan.answer().accepted().get(1);
    assertTrue(again.duplicate());
    assertEquals(plan.answer().accepted().get(0).id(), again.id());
  }

  @Test
  void aKeyTheStateRemembersStoresNothing() {
    TopicState state = state(2);
    PublishPlan first = plan(state, new TopicOwner.Draft(null, "first", "k"));
    applied(state, first);
    PublishPlan again = plan(state, new TopicOwner.Draft(null, "again", "k"));
    assertTrue(again.toStore().isEmpty());
    assertTrue(again.answer().accepted().get(0).duplicate());
    assertEquals(first.answer().accepted().get(0).id(), again.answer().accepted().get(0).id());
  }

  @Test
  void aDraftDueLaterIsScheduledAndOneDueAlreadyIsSequenced() {
    PublishPlan plan =
        plan(
            state(2),
            new TopicOwner.Draft(null, "later", null, NOW + 1000),
            new TopicOwner.Draft(null, "past", null, NOW - 1000));
    TopicOwner.Accepted later = plan.answer().accepted().get(0);
    assertTrue(later.scheduled());
    assertTrue(later.id().startsWith(TopicOwner.SCHEDULE_ID_PREFIX));
    assertEquals(List.of(later.id()), plan.scheduled().stream().map(s -> s.scheduleId()).toList());
    assertFalse(plan.answer().accepted().get(1).scheduled());
    assertEquals(List.of("past"), plan.deliver().stream().map(TopicEvent::data).toList());
  }

  @Test
  void schedulingPastTheLimitRefusesTheWholePublish() {
    PublishPlan plan =
        plan(
            state(2),
            new TopicOwner.Draft(null, "now", null),
            new TopicOwner.Draft(null, "a", null, NOW + 1),
            new TopicOwner.Draft(null, "b", null, NOW + 1),
            new TopicOwner.Draft(null, "c", null, NOW + 1));
    assertTrue(plan.toStore().isEmpty());
    assertTrue(plan.answer().accepted().isEmpty());
    assertEquals("topic plan/topic holds 2 scheduled events", plan.answer().refusal());
  }

  @Test
  void afterARestartThePublisherIsAnsweredAsTheRecoveredStateShows() {
    TopicState state = state(2);
    PublishPlan plan =
        plan(
            state,
            new TopicOwner.Draft(null, "now", null),
            new TopicOwner.Draft(null, "later", null, NOW + 1));
    TopicOwner.Published lost = plan.answerAfterRestart(state);
    assertTrue(lost.accepted().isEmpty());
    assertEquals(TopicOwner.STORE_FAILED, lost.refusal());
    assertEquals(plan.answer(), plan.answerAfterRestart(applied(state, plan)));
  }
}
