package dev.crier.node.topic;

import dev.crier.protocol.cursor.Position;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * What one {@link TopicOwner.Publish} comes to, worked out before anything is stored: the events to
 * store (the topic's start if it has none yet, then each draft sequenced or scheduled, nothing for
 * a repeated idempotency key), the events to deliver once they are stored, and the answer. Only
 * reads the owner's state, which changes when the stored events are applied.
 *
 * @param toStore empty when nothing needs storing: the answer can go out at once
 * @param deliver the events sequenced now, in order
 * @param epoch the epoch of the topic once {@code toStore} landed
 * @param lastSeq the topic's head once {@code toStore} landed
 * @param lastScheduleCount the schedule ids given out once {@code toStore} landed
 */
record PublishPlan(
    List<TopicOwner.Stored> toStore,
    List<TopicEvent> deliver,
    TopicOwner.Published answer,
    long epoch,
    long lastSeq,
    long lastScheduleCount) {

  /**
   * Plans {@code drafts} published to {@code topic} at {@code now}; refused whole when its
   * scheduled drafts would take the topic past {@code maxScheduled}.
   */
  static PublishPlan of(
      String topic, TopicState state, List<TopicOwner.Draft> drafts, long now, int maxScheduled) {
    long toSchedule = drafts.stream().filter(d -> scheduled(d, now)).count();
    if (toSchedule > 0 && state.scheduledSize() + toSchedule > maxScheduled) {
      String refusal = "topic " + topic + " holds " + maxScheduled + " scheduled events";
      return new PublishPlan(
          List.of(), List.of(), new TopicOwner.Published(topic, List.of(), refusal), 0, 0, 0);
    }
    List<TopicOwner.Stored> toStore = new ArrayList<>(drafts.size() + 1);
    long epoch = state.epoch();
    if (epoch == 0) {
      TopicOwner.Started started = start(now);
      toStore.add(started);
      epoch = started.epoch();
    }
    long seq = state.headSeq();
    long scheduleCount = state.scheduledCount();
    Map<String, TopicOwner.Accepted> inThisPublish = new HashMap<>();
    List<TopicOwner.Accepted> accepted = new ArrayList<>(drafts.size());
    List<TopicEvent> events = new ArrayList<>(drafts.size());
    for (TopicOwner.Draft draft : drafts) {
      String key = draft.idempotencyKey();
      TopicOwner.Accepted earlier = key == null ? null : inThisPublish.get(key);
      TopicState.Remembered seen = key == null || earlier != null ? null : state.seen(key, now);
      if (earlier != null) {
        accepted.add(new TopicOwner.Accepted(earlier.id(), earlier.position(), true));
        continue;
      }
      if (seen != null) {
        accepted.add(new TopicOwner.Accepted(seen.id(), seen.position(), true));
        continue;
      }
      TopicOwner.Accepted answer;
      if (scheduled(draft, now)) {
        String id =
            TopicOwner.SCHEDULE_ID_PREFIX
                + Long.toString(epoch, 36)
                + "-"
                + Long.toString(++scheduleCount, 36);
        toStore.add(new TopicOwner.Scheduled(id, draft, now));
        answer = new TopicOwner.Accepted(id, null, false);
      } else {
        Position position = new Position(epoch, ++seq);
        TopicEvent event = new TopicEvent(topic, position, draft.type(), draft.data(), now);
        toStore.add(new TopicOwner.Sequenced(event, key, null));
        events.add(event);
        answer = new TopicOwner.Accepted(position.toString(), position, false);
      }
      if (key != null) {
        inThisPublish.put(key, answer);
      }
      accepted.add(answer);
    }
    return new PublishPlan(
        toStore,
        events,
        new TopicOwner.Published(topic, accepted, null),
        epoch,
        seq,
        scheduleCount);
  }

  /**
   * The first stored event of a topic that starts at {@code now}: its epoch is the time, so that a
   * later incarnation that starts afresh (memory mode) has a higher one.
   */
  static TopicOwner.Started start(long now) {
    return new TopicOwner.Started(Math.max(1, now));
  }

  /**
   * What the publisher is told when the store failed and the owner restarted: the answer if the
   * recovered state shows that everything landed, else that the store did not take the events.
   */
  TopicOwner.Published answerAfterRestart(TopicState recovered) {
    return recovered.headSeq() >= lastSeq
            && recovered.scheduledCount() >= lastScheduleCount
            && recovered.epoch() == epoch
        ? answer
        : new TopicOwner.Published(answer.topic(), List.of(), TopicOwner.STORE_FAILED);
  }

  /** The drafts this plan holds until their time. */
  List<TopicOwner.Scheduled> scheduled() {
    List<TopicOwner.Scheduled> scheduled = new ArrayList<>();
    for (TopicOwner.Stored s : toStore) {
      if (s instanceof TopicOwner.Scheduled sc) {
        scheduled.add(sc);
      }
    }
    return scheduled;
  }

  private static boolean scheduled(TopicOwner.Draft draft, long now) {
    return draft.deliverAt() != null && draft.deliverAt() > now;
  }
}
