package dev.crier.node.topic;

import java.util.List;
import org.apache.pekko.persistence.typed.SnapshotAdapter;

/**
 * How a {@link TopicOwner}'s state goes into a snapshot and comes back. In memory mode the snapshot
 * is a hand-off and carries the nodes the owner was sending to, so that its successor goes on
 * sending to them at once; in a journal it carries none, as they would be stale.
 */
final class OwnerSnapshots implements SnapshotAdapter<TopicState> {
  private final TopicOwnerSettings settings;
  private final HistoryCounters historyCounters;
  private final SubscriberNodes nodes;

  OwnerSnapshots(
      TopicOwnerSettings settings, HistoryCounters historyCounters, SubscriberNodes nodes) {
    this.settings = settings;
    this.historyCounters = historyCounters;
    this.nodes = nodes;
  }

  @Override
  public Object toJournal(TopicState state) {
    return state.snapshot(settings.store().durable() ? List.of() : nodes.copy());
  }

  @Override
  public TopicState fromJournal(Object from) {
    TopicState.Snapshot snapshot = (TopicState.Snapshot) from;
    if (snapshot.subscriberNodes() != null) {
      snapshot.subscriberNodes().forEach(nodes::add);
    }
    return TopicState.restore(snapshot, settings, historyCounters);
  }
}
