package dev.crier.node.topic;

import java.time.Clock;
import java.util.function.Consumer;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.persistence.typed.javadsl.Effect;
import org.apache.pekko.persistence.typed.javadsl.EffectFactories;

/**
 * How a {@link TopicOwner} takes a {@link TopicOwner.Publish}: dropped once past its deadline, else
 * planned ({@link PublishPlan}) and stored, and only then its events delivered, its scheduled
 * events' timers set and the publisher answered. Used by its owner's actor only.
 */
final class OwnerPublishing {

  /**
   * A publish being stored: if the store fails and the owner restarts, the recovered state tells
   * whether it landed, and the publisher gets that truth instead of silence.
   */
  private record InFlight(ActorRef<TopicOwner.Published> replyTo, PublishPlan plan) {}

  private final String topic;
  private final int maxScheduled;
  private final Clock clock;
  private final ActorContext<TopicOwner.Command> context;
  private final EffectFactories<TopicOwner.Stored, TopicState> effect;
  private final Consumer<TopicEvent> deliver;
  private final OwnerSchedule schedule;
  private InFlight inFlight;

  /**
   * @param context the owner's, for its log
   * @param effect the owner's effects
   * @param deliver hands a sequenced event to the nodes the owner sends to
   */
  OwnerPublishing(
      String topic,
      int maxScheduled,
      Clock clock,
      ActorContext<TopicOwner.Command> context,
      EffectFactories<TopicOwner.Stored, TopicState> effect,
      Consumer<TopicEvent> deliver,
      OwnerSchedule schedule) {
    this.topic = topic;
    this.maxScheduled = maxScheduled;
    this.clock = clock;
    this.context = context;
    this.effect = effect;
    this.deliver = deliver;
    this.schedule = schedule;
  }

  Effect<TopicOwner.Stored, TopicState> onPublish(TopicState state, TopicOwner.Publish publish) {
    long now = clock.millis();
    if (now > publish.notAfterMillis()) {
      context.getLog().debug("dropped a publish to [{}] that waited past its deadline", topic);
      return effect.none();
    }
    PublishPlan plan = PublishPlan.of(topic, state, publish.drafts(), now, maxScheduled);
    if (plan.toStore().isEmpty()) {
      return effect.reply(publish.replyTo(), plan.answer());
    }
    inFlight = new InFlight(publish.replyTo(), plan);
    return effect
        .persist(plan.toStore())
        .thenRun(
            stored -> {
              inFlight = null;
              plan.deliver().forEach(deliver);
              schedule.hold(plan.scheduled(), now);
            })
        .thenReply(publish.replyTo(), stored -> plan.answer());
  }

  /** The owner recovered: the publish that was being stored, if any, is answered now. */
  void recovered(TopicState state) {
    if (inFlight != null) {
      InFlight pending = inFlight;
      inFlight = null;
      pending.replyTo().tell(pending.plan().answerAfterRestart(state));
    }
  }
}
