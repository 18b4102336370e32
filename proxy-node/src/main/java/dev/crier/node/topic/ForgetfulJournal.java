package dev.crier.node.topic;

import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import org.apache.pekko.persistence.AtomicWrite;
import org.apache.pekko.persistence.PersistentRepr;
import org.apache.pekko.persistence.journal.japi.AsyncWriteJournal;
import scala.concurrent.Future;
import scala.jdk.javaapi.FutureConverters;

/**
 * The journal of {@code crier.history.store = memory}: every write succeeds at once and nothing is
 * kept, so an owner's history lives only in its memory and a new incarnation starts empty.
 */
public final class ForgetfulJournal extends AsyncWriteJournal {
  private static final Future<Void> DONE =
      FutureConverters.asScala(CompletableFuture.completedFuture(null));

  @Override
  public Future<Iterable<Optional<Exception>>> doAsyncWriteMessages(
      Iterable<AtomicWrite> messages) {
    return FutureConverters.asScala(CompletableFuture.completedFuture(List.of()));
  }

  @Override
  public Future<Void> doAsyncDeleteMessagesTo(String persistenceId, long toSequenceNr) {
    return DONE;
  }

  @Override
  public Future<Void> doAsyncReplayMessages(
      String persistenceId,
      long fromSequenceNr,
      long toSequenceNr,
      long max,
      Consumer<PersistentRepr> replayCallback) {
    return DONE;
  }

  @Override
  public Future<Long> doAsyncReadHighestSequenceNr(String persistenceId, long fromSequenceNr) {
    return FutureConverters.asScala(CompletableFuture.completedFuture(0L));
  }
}
