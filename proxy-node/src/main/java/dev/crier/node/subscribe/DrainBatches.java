package dev.crier.node.subscribe;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Consumer;
import org.apache.pekko.Done;
import org.apache.pekko.actor.Scheduler;
import scala.concurrent.ExecutionContext;

/** Ends connections in batches, one batch a tick, so that a drain spreads its reconnects. */
final class DrainBatches {
  private DrainBatches() {}

  /**
   * Ends {@code perTick} of {@code all} now and the next ones a tick later; completes after the
   * last.
   */
  static <T> CompletionStage<Done> run(
      List<T> all,
      Consumer<T> end,
      int perTick,
      Duration tick,
      Scheduler scheduler,
      ExecutionContext executor) {
    return from(all, 0, end, perTick, tick, scheduler, executor);
  }

  private static <T> CompletionStage<Done> from(
      List<T> all,
      int first,
      Consumer<T> end,
      int perTick,
      Duration tick,
      Scheduler scheduler,
      ExecutionContext executor) {
    int to = Math.min(all.size(), first + perTick);
    all.subList(first, to).forEach(end);
    if (to >= all.size()) {
      return CompletableFuture.completedFuture(Done.getInstance());
    }
    CompletableFuture<Done> next = new CompletableFuture<>();
    scheduler.scheduleOnce(
        tick,
        () ->
            from(all, to, end, perTick, tick, scheduler, executor)
                .whenComplete((done, failure) -> next.complete(Done.getInstance())),
        executor);
    return next;
  }
}
