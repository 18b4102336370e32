package dev.crier.node.topic;

import dev.crier.protocol.cursor.Position;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.Function;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.apache.pekko.persistence.typed.javadsl.Effect;
import org.apache.pekko.persistence.typed.javadsl.EffectFactories;

/**
 * A {@link TopicOwner}'s scheduled events: a timer for each one not yet due, set once it is stored
 * and again when the owner recovers (one keyed by its schedule id, so a cancel finds it); its
 * sequencing when the timer fires; its withdrawal by a {@link TopicOwner.Cancel}. Used by its
 * owner's actor only.
 */
final class OwnerSchedule {
  private final String topic;
  private final Clock clock;
  private final TimerScheduler<TopicOwner.Command> timers;
  private final Function<String, TopicOwner.Command> due;
  private final EffectFactories<TopicOwner.Stored, TopicState> effect;
  private final Consumer<TopicEvent> deliver;

  /**
   * @param due the message a timer sends its owner when the event with that schedule id is due
   * @param effect the owner's effects
   * @param deliver hands a sequenced event to the nodes the owner sends to
   */
  OwnerSchedule(
      String topic,
      Clock clock,
      TimerScheduler<TopicOwner.Command> timers,
      Function<String, TopicOwner.Command> due,
      EffectFactories<TopicOwner.Stored, TopicState> effect,
      Consumer<TopicEvent> deliver) {
    this.topic = topic;
    this.clock = clock;
    this.timers = timers;
    this.due = due;
    this.effect = effect;
    this.deliver = deliver;
  }

  /** Sets the timers of every event the recovered state holds. */
  void resume(TopicState state) {
    long now = clock.millis();
    state.scheduled().forEach((id, draft) -> start(id, draft, now));
  }

  /** Sets the timers of events just stored, which were scheduled at {@code now}. */
  void hold(List<TopicOwner.Scheduled> scheduled, long now) {
    scheduled.forEach(s -> start(s.scheduleId(), s.draft(), now));
  }

  /** An event's timer fired: it is sequenced now, unless it was cancelled meanwhile. */
  Effect<TopicOwner.Stored, TopicState> onDue(TopicState state, String scheduleId) {
    TopicOwner.Draft draft = state.scheduled().get(scheduleId);
    if (draft == null) {
      return effect.none();
    }
    Position position = new Position(state.epoch(), state.headSeq() + 1);
    TopicEvent event = new TopicEvent(topic, position, draft.type(), draft.data(), clock.millis());
    return effect
        .persist(new TopicOwner.Sequenced(event, null, scheduleId))
        .thenRun(stored -> deliver.accept(event));
  }

  Effect<TopicOwner.Stored, TopicState> onCancel(TopicState state, TopicOwner.Cancel cancel) {
    if (state.scheduled().containsKey(cancel.scheduleId())) {
      timers.cancel(cancel.scheduleId());
      return effect
          .persist(new TopicOwner.Cancelled(cancel.scheduleId()))
          .thenReply(cancel.replyTo(), stored -> TopicOwner.CancelResult.CANCELLED);
    }
    return effect.reply(
        cancel.replyTo(),
        state.wasDelivered(cancel.scheduleId())
            ? TopicOwner.CancelResult.ALREADY_DELIVERED
            : TopicOwner.CancelResult.UNKNOWN);
  }

  private void start(String scheduleId, TopicOwner.Draft draft, long now) {
    timers.startSingleTimer(
        scheduleId, due.apply(scheduleId), Duration.ofMillis(Math.max(0, draft.deliverAt() - now)));
  }
}
