package dev.crier.node.bridge;

import dev.crier.node.topic.EventTransport;
import dev.crier.node.topic.TopicEvent;
import dev.crier.node.topic.TopicHubs;
import dev.crier.protocol.envelope.EventEnvelope;
import dev.crier.protocol.sp.SpFrameEncoder;
import java.util.Collection;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.pekko.actor.Address;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.stream.BoundedSourceQueue;
import org.apache.pekko.stream.QueueOfferResult;
import org.apache.pekko.util.ByteString;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Carries owner → node traffic over the bridge: an event for this node goes straight to its hub
 * directory; for another node it is framed once as an SP message and queued on that node's link.
 * Until a link to a node is up (it is learnt from Distributed Data a moment after the node joins),
 * events to it travel over Artery, as before the bridge. Also feeds the tap.
 *
 * <p>Called concurrently by every topic owner on this node; the link table is written only by the
 * {@link Bridge} actor. Order per topic holds because one owner offers its events in order to one
 * FIFO queue per link; a switch between Artery and a link can reorder, which the receiving hub
 * repairs (it ignores what it has seen and fetches what it missed).
 */
public final class BridgeTransport implements EventTransport {
  private static final Logger LOG = LoggerFactory.getLogger(BridgeTransport.class);

  private final Map<Address, BoundedSourceQueue<ByteString>> links = new ConcurrentHashMap<>();
  private final BridgeCounters counters;
  private volatile BoundedSourceQueue<ByteString> tap;

  public BridgeTransport(BridgeCounters counters) {
    this.counters = counters;
  }

  @Override
  public void deliver(TopicEvent event, Collection<ActorRef<TopicHubs.Command>> nodes) {
    counters.sequenced.increment();
    ByteString frame = null;
    TopicHubs.Deliver local = null;
    for (ActorRef<TopicHubs.Command> node : nodes) {
      Address address = node.path().address();
      BoundedSourceQueue<ByteString> link = address.hasLocalScope() ? null : links.get(address);
      if (link == null) {
        if (!address.hasLocalScope()) {
          counters.peer(address.toString()).viaArtery.increment();
        }
        node.tell(local == null ? (local = new TopicHubs.Deliver(event)) : local);
        continue;
      }
      if (frame == null) {
        frame = frame(event);
      }
      offer(link, frame, address.toString());
    }
    BoundedSourceQueue<ByteString> tapQueue = tap;
    if (tapQueue != null && counters.tapSubscribers.get() > 0) {
      if (tapQueue.offer(frame == null ? frame(event) : frame) == QueueOfferResult.enqueued()) {
        counters.tapFrames.increment();
      } else {
        counters.tapDrops.increment();
      }
    }
  }

  private void offer(BoundedSourceQueue<ByteString> link, ByteString frame, String peer) {
    QueueOfferResult result = link.offer(frame);
    BridgeCounters.Peer counted = counters.peer(peer);
    if (result == QueueOfferResult.enqueued()) {
      return;
    }
    counted.drops.increment();
    long drops = counted.drops();
    if ((drops & (drops - 1)) == 0) {
      LOG.warn("bridge link to [{}] is full or closed: {} messages dropped so far", peer, drops);
    }
  }

  static ByteString frame(TopicEvent e) {
    byte[] envelope =
        new EventEnvelope(e.topic(), e.position(), e.publishedAtMillis(), e.type(), e.data())
            .encode();
    return ByteString.fromArrayUnsafe(SpFrameEncoder.lengthPrefix(envelope.length))
        .concat(ByteString.fromArrayUnsafe(envelope));
  }

  void link(Address peer, BoundedSourceQueue<ByteString> queue) {
    links.put(peer, queue);
  }

  void unlink(Address peer) {
    links.remove(peer);
  }

  void tap(BoundedSourceQueue<ByteString> queue) {
    this.tap = queue;
  }
}
