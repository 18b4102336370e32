package dev.crier.node.cluster;

import dev.crier.node.topic.TopicHubs;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReferenceArray;
import org.apache.pekko.actor.typed.ActorRef;

/**
 * A read-only local copy of the subscriber registry: which nodes' hub directories have subscribers
 * for which topics. Written only by this node's {@link SubscriberRegistry} (one immutable map per
 * bucket, replaced whole), read without locks by topic owners and management routes.
 */
public final class RegistryView {
  private final AtomicReferenceArray<Map<String, Set<ActorRef<TopicHubs.Command>>>> buckets;

  public RegistryView(int buckets) {
    this.buckets = new AtomicReferenceArray<>(buckets);
    for (int i = 0; i < buckets; i++) {
      this.buckets.set(i, Map.of());
    }
  }

  int buckets() {
    return buckets.length();
  }

  /** The bucket of a topic; the same on every node (String.hashCode is specified). */
  int bucketOf(String topic) {
    return Math.floorMod(topic.hashCode(), buckets.length());
  }

  void replace(int bucket, Map<String, Set<ActorRef<TopicHubs.Command>>> entries) {
    buckets.set(bucket, Map.copyOf(entries));
  }

  /** The hub directories of the nodes that have subscribers for the topic. */
  public Set<ActorRef<TopicHubs.Command>> nodesFor(String topic) {
    return buckets.get(bucketOf(topic)).getOrDefault(topic, Set.of());
  }

  /** Every topic with subscribers somewhere, and where. */
  public Map<String, Set<ActorRef<TopicHubs.Command>>> all() {
    Map<String, Set<ActorRef<TopicHubs.Command>>> out = new HashMap<>();
    for (int i = 0; i < buckets.length(); i++) {
      out.putAll(buckets.get(i));
    }
    return out;
  }
}
