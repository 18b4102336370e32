package dev.crier.node.topic;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.actor.ActorSelection;
import org.apache.pekko.actor.Address;
import org.apache.pekko.actor.RootActorPath;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.cluster.Cluster;
import org.apache.pekko.cluster.Member;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.persistence.SelectedSnapshot;
import org.apache.pekko.persistence.SnapshotMetadata;
import org.apache.pekko.persistence.SnapshotSelectionCriteria;
import org.apache.pekko.persistence.snapshot.japi.SnapshotStore;
import org.apache.pekko.serialization.Serialization;
import org.apache.pekko.serialization.SerializationExtension;
import org.apache.pekko.serialization.Serializer;
import org.apache.pekko.serialization.Serializers;
import scala.concurrent.Future;
import scala.jdk.javaapi.FutureConverters;

/**
 * The snapshot store of {@code crier.history.store = memory}: an entity handing off (a topic owner,
 * a channel; drain, rebalance) saves its state here, which keeps it in this node's {@link
 * OwnerHandOffs}; an entity recovering anywhere loads it by claiming it from every reachable node.
 * Nothing is written to disk: a crash still loses the state.
 */
public final class HandOffSnapshotStore extends SnapshotStore {
  private static final Duration CLAIM_TIMEOUT = Duration.ofSeconds(1);

  private final ActorSystem<Void> system = Adapter.toTyped(context().system());
  private final Serialization serialization = SerializationExtension.get(context().system());

  @Override
  public Future<Optional<SelectedSnapshot>> doLoadAsync(
      String persistenceId, SnapshotSelectionCriteria criteria) {
    List<CompletableFuture<OwnerHandOffs.Claimed>> claims = new ArrayList<>();
    for (Address node : nodes()) {
      claims.add(claim(node, persistenceId).toCompletableFuture());
    }
    CompletableFuture<Optional<SelectedSnapshot>> best =
        CompletableFuture.allOf(claims.toArray(CompletableFuture[]::new))
            .thenApply(
                done ->
                    claims.stream()
                        .map(CompletableFuture::join)
                        .filter(c -> c.snapshot() != null)
                        .max(Comparator.comparingLong(OwnerHandOffs.Claimed::sequenceNr))
                        .map(
                            c ->
                                new SelectedSnapshot(
                                    SnapshotMetadata.apply(
                                        persistenceId, c.sequenceNr(), System.currentTimeMillis()),
                                    restore(c.snapshot()))));
    return FutureConverters.asScala(best);
  }

  /** A node that does not answer in time (gone, or no depot) holds nothing for us. */
  private CompletionStage<OwnerHandOffs.Claimed> claim(Address node, String persistenceId) {
    ActorSelection depot =
        context()
            .actorSelection(RootActorPath.apply(node, "/").child("user").child(OwnerHandOffs.NAME));
    OwnerHandOffs.Claimed none = new OwnerHandOffs.Claimed(persistenceId, 0, null);
    return depot
        .resolveOne(CLAIM_TIMEOUT)
        .thenCompose(
            ref ->
                AskPattern.<OwnerHandOffs.Command, OwnerHandOffs.Claimed>ask(
                    Adapter.<OwnerHandOffs.Command>toTyped(ref),
                    (ActorRef<OwnerHandOffs.Claimed> replyTo) ->
                        new OwnerHandOffs.Claim(persistenceId, replyTo),
                    CLAIM_TIMEOUT,
                    system.scheduler()))
        .exceptionally(failure -> none);
  }

  /** This node and every reachable cluster member (or only this node outside a cluster). */
  private List<Address> nodes() {
    Address self = context().system().provider().getDefaultAddress();
    if (!context().system().settings().ProviderClass().contains("Cluster")) {
      return List.of(self);
    }
    Cluster cluster = Cluster.get(context().system());
    List<Address> nodes = new ArrayList<>();
    for (Member m : cluster.state().getMembers()) {
      if (m.status() != MemberStatus.down()
          && m.status() != MemberStatus.removed()
          && !cluster.state().getUnreachable().contains(m)) {
        nodes.add(m.address());
      }
    }
    if (!nodes.contains(cluster.selfAddress())) {
      nodes.add(cluster.selfAddress());
    }
    return nodes;
  }

  @Override
  public Future<Void> doSaveAsync(SnapshotMetadata metadata, Object snapshot) {
    context()
        .actorSelection("/user/" + OwnerHandOffs.NAME)
        .tell(
            new OwnerHandOffs.Deposit(
                metadata.persistenceId(), metadata.sequenceNr(), serialize(snapshot)),
            self());
    return done();
  }

  private OwnerHandOffs.Serialized serialize(Object snapshot) {
    Serializer serializer = serialization.findSerializerFor(snapshot);
    return new OwnerHandOffs.Serialized(
        serializer.identifier(),
        Serializers.manifestFor(serializer, snapshot),
        serialization.serialize(snapshot).get());
  }

  private Object restore(OwnerHandOffs.Serialized s) {
    return serialization.deserialize(s.bytes(), s.serializerId(), s.manifest()).get();
  }

  @Override
  public Future<Void> doDeleteAsync(SnapshotMetadata metadata) {
    return done();
  }

  @Override
  public Future<Void> doDeleteAsync(String persistenceId, SnapshotSelectionCriteria criteria) {
    return done();
  }

  private static Future<Void> done() {
    return FutureConverters.asScala(CompletableFuture.completedFuture(null));
  }
}
