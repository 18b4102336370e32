package dev.crier.loadtest;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A run's subscribers spread over {@link Settings#processes} {@link Worker} JVMs, each with its own
 * descriptor limit (one process may hold at most 20,000 here) and its contiguous share of the
 * subscriber indices. Every report a worker sends is added to the run's {@link Stats} as it
 * arrives, so that the publisher and each {@link Step} read merged figures; {@link #flush} makes
 * them complete at a step's edges.
 */
final class WorkerProcesses implements SubscriberGroup {
  /**
   * Heap of each worker: a worker holds at most about 19,000 connections at some 10 KiB of heap
   * each.
   */
  private static final String WORKER_HEAP = "-Xmx768m";

  /** How long workers may take to start, answer a flush, stop, or answer one more connection. */
  private static final long ANSWER_SECONDS = 60;

  private final Settings settings;
  private final Stats stats;
  private final List<Process> processes = new ArrayList<>();
  private final List<Writer> commands = new ArrayList<>();
  private final List<Thread> readers = new ArrayList<>();
  // guarded by this
  private final Stats.Counts[] counts;
  private final Map<WorkerReport.Kind, Integer> seen = new EnumMap<>(WorkerReport.Kind.class);
  private int ended;

  /** Starts the workers and returns once each is ready to connect. */
  WorkerProcesses(Settings settings, Stats stats) throws IOException, InterruptedException {
    this.settings = settings;
    this.stats = stats;
    this.counts = new Stats.Counts[settings.processes()];
    Arrays.fill(counts, Stats.Counts.NONE);
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    try {
      for (int w = 0; w < settings.processes(); w++) {
        List<String> command = new ArrayList<>();
        command.addAll(
            List.of(
                java,
                WORKER_HEAP,
                "-cp",
                System.getProperty("java.class.path"),
                Worker.class.getName()));
        command.addAll(settings.workerArgs(w));
        Process p =
            new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        processes.add(p);
        commands.add(new OutputStreamWriter(p.getOutputStream(), StandardCharsets.UTF_8));
        int worker = w;
        Thread reader = new Thread(() -> read(worker, p), "worker-" + w + "-reports");
        reader.setDaemon(true);
        reader.start();
        readers.add(reader);
      }
      await(WorkerReport.Kind.READY, 1, TimeUnit.SECONDS.toNanos(ANSWER_SECONDS));
    } catch (IOException | InterruptedException | RuntimeException e) {
      close();
      throw e;
    }
  }

  /**
   * Asks every worker to connect its share and waits until all have, for as long as connections
   * keep being answered: a cluster that accepts slowly sets the pace, as with {@link
   * Subscribers#connectAll}. Gives up after {@link #ANSWER_SECONDS} without a new answer.
   */
  @Override
  public void connectAll() throws InterruptedException {
    send("connect");
    long answered = -1;
    while (answered < stats.answered.sum()) {
      answered = stats.answered.sum();
      if (await(WorkerReport.Kind.CONNECTED, 1, TimeUnit.SECONDS.toNanos(ANSWER_SECONDS))) {
        return;
      }
    }
  }

  @Override
  public void flush() throws InterruptedException {
    int before;
    synchronized (this) {
      before = seen.getOrDefault(WorkerReport.Kind.FLUSHED, 0) / settings.processes();
    }
    send("flush");
    await(WorkerReport.Kind.FLUSHED, before + 1, TimeUnit.SECONDS.toNanos(ANSWER_SECONDS));
  }

  @Override
  public synchronized List<Stats.Counts> countsPerProcess() {
    return List.of(counts);
  }

  /** Stops the workers (they close their connections and send their last report) and waits. */
  @Override
  public void close() {
    for (Writer w : commands) {
      try {
        w.write("stop\n");
        w.close();
      } catch (IOException gone) {
        // the worker has ended already
      }
    }
    for (Process p : processes) {
      try {
        if (!p.waitFor(ANSWER_SECONDS, TimeUnit.SECONDS)) {
          p.destroyForcibly();
        }
      } catch (InterruptedException e) {
        p.destroyForcibly();
        Thread.currentThread().interrupt();
      }
    }
    for (Thread reader : readers) {
      try {
        reader.join(TimeUnit.SECONDS.toMillis(ANSWER_SECONDS));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  private void send(String command) {
    for (Writer w : commands) {
      try {
        w.write(command + "\n");
        w.flush();
      } catch (IOException e) {
        throw new UncheckedIOException("a worker process has ended", e);
      }
    }
  }

  private void read(int worker, Process p) {
    try (BufferedReader lines =
        new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
      for (String line = lines.readLine(); line != null; line = lines.readLine()) {
        WorkerReport report = WorkerReport.parse(line);
        stats.add(report.counts(), report.latencyHistogram(), report.connectHistogram());
        synchronized (this) {
          counts[worker] = counts[worker].plus(report.counts());
          seen.merge(report.kind(), 1, Integer::sum);
          notifyAll();
        }
      }
    } catch (IOException | RuntimeException e) {
      stats.error("worker report: " + e.getClass().getSimpleName());
    } finally {
      synchronized (this) {
        ended++;
        notifyAll();
      }
    }
  }

  /**
   * Waits until every worker has sent {@code times} reports of {@code kind} in all, and says
   * whether they have; fails if a worker ends first, returns false at the deadline.
   */
  private synchronized boolean await(WorkerReport.Kind kind, int times, long timeoutNanos)
      throws InterruptedException {
    long deadline = System.nanoTime() + timeoutNanos;
    while (seen.getOrDefault(kind, 0) < times * settings.processes()) {
      if (ended > 0) {
        throw new IllegalStateException(
            "a worker process ended while waiting for " + kind + "; its errors are above");
      }
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        return false;
      }
      TimeUnit.NANOSECONDS.timedWait(this, left);
    }
    return true;
  }
}
