package dev.crier.loadtest;

import java.util.List;

/**
 * Where a run's subscribers live: {@link Subscribers} in this process, or {@link WorkerProcesses}
 * spread over several. Either way everything they measure ends up in the run's {@link Stats}.
 */
interface SubscriberGroup extends AutoCloseable {
  /**
   * Opens every connection at the configured rate; returns once each has been accepted or could not
   * connect at all, or after a deadline.
   */
  void connectAll() throws InterruptedException;

  /** Returns once everything measured so far is in the run's {@link Stats}. */
  void flush() throws InterruptedException;

  /** What each process's subscribers counted, one entry per process. */
  List<Stats.Counts> countsPerProcess();

  @Override
  void close();
}
