package dev.crier.loadtest;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * One worker process of a run spread over several ({@link WorkerProcesses} starts them): holds its
 * share of the subscribers and reports what they measure on standard output, one {@link
 * WorkerReport} a line, starting with {@code READY}. It obeys commands on standard input, one a
 * line: {@code connect}, {@code flush} and {@code stop}. The end of its input stops it too, so a
 * worker never outlives its coordinator.
 *
 * <p>Usage: {@code java -cp crier-loadtest.jar dev.crier.loadtest.Worker SUBSCRIBER-SETTINGS…} with
 * the arguments of {@link Settings#workerArgs}.
 */
public final class Worker {
  /** How often a worker reports progress unasked: often enough to follow a 5 s step. */
  static final Duration PROGRESS_INTERVAL = Duration.ofMillis(100);

  private final Stats stats = new Stats();
  private final PrintStream out;
  private Stats.Counts reported = Stats.Counts.NONE;

  private Worker(PrintStream out) {
    this.out = out;
  }

  public static void main(String[] args) throws Exception {
    // the reports own standard output: anything else a library prints goes to standard error
    PrintStream reports = new PrintStream(System.out, false, StandardCharsets.UTF_8);
    System.setOut(System.err);
    Worker worker = new Worker(reports);
    ScheduledExecutorService progress =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "progress");
              t.setDaemon(true);
              return t;
            });
    try (Subscribers subscribers = new Subscribers(Settings.parse(args), worker.stats)) {
      worker.report(WorkerReport.Kind.READY);
      progress.scheduleAtFixedRate(
          () -> worker.report(WorkerReport.Kind.PROGRESS),
          PROGRESS_INTERVAL.toMillis(),
          PROGRESS_INTERVAL.toMillis(),
          TimeUnit.MILLISECONDS);
      BufferedReader commands =
          new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
      for (String command = commands.readLine();
          command != null && !command.equals("stop");
          command = commands.readLine()) {
        switch (command) {
          case "connect" -> worker.connectInBackground(subscribers);
          case "flush" -> worker.report(WorkerReport.Kind.FLUSHED);
          default -> System.err.println("worker: unknown command " + command);
        }
      }
      progress.shutdownNow();
    }
    worker.report(WorkerReport.Kind.STOPPED);
    System.exit(0);
  }

  /** Connects on its own thread, so that {@code stop} is heard while connections open. */
  private void connectInBackground(Subscribers subscribers) {
    Thread connecting =
        new Thread(
            () -> {
              try {
                subscribers.connectAll();
                report(WorkerReport.Kind.CONNECTED);
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
            },
            "connect");
    connecting.setDaemon(true);
    connecting.start();
  }

  /** Writes what was counted and recorded since the previous report. */
  private synchronized void report(WorkerReport.Kind kind) {
    Stats.Counts now = stats.counts();
    out.println(
        WorkerReport.of(kind, now.minus(reported), stats.takeLatency(), stats.takeConnect())
            .toLine());
    out.flush();
    reported = now;
  }
}
