package dev.crier.loadtest;

import com.sun.management.UnixOperatingSystemMXBean;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;

/**
 * Runs one load: opens the subscribers, publishes at each configured rate in turn (stopping at the
 * first the server does not sustain), waits for the last events to arrive, then reports throughput,
 * latency percentiles, and every integrity fault.
 */
public final class LoadTest {
  /** Descriptors a JVM holds besides its connections (jars, epoll, pipes), with room to spare. */
  private static final int JVM_DESCRIPTORS = 500;

  private LoadTest() {}

  public static void main(String[] args) throws Exception {
    Settings settings;
    try {
      settings = Settings.parse(args);
    } catch (IllegalArgumentException e) {
      System.err.println(e.getMessage());
      System.exit(2);
      return;
    }
    Result result = run(settings);
    System.out.println(result.summary());
    if (!settings.results().isEmpty()) {
      Files.writeString(Path.of(settings.results()), ResultJson.of(result));
    }
    System.exit(result.clean() ? 0 : 1);
  }

  /** Runs the load and returns what was measured. */
  public static Result run(Settings settings) throws Exception {
    checkDescriptors(settings);
    Stats stats = new Stats();
    if (settings.server() == Server.CRIER_CHANNELS) {
      createChannels(settings);
    }
    List<Memory> before = settings.hold().isZero() ? null : Memory.measure(settings);
    try (SubscriberGroup subscribers =
        settings.processes() > 1
            ? new WorkerProcesses(settings, stats)
            : new Subscribers(settings, stats)) {
      long connectStart = System.nanoTime();
      subscribers.connectAll();
      double connectSeconds = (System.nanoTime() - connectStart) / 1e9;
      subscribers.flush();
      Histogram connect = stats.takeConnect();
      if (!settings.hold().isZero()) {
        IdleMemory memory = hold(settings, before);
        subscribers.flush();
        return new Result(
            settings,
            stats,
            new Histogram(3),
            new Histogram(3),
            0,
            connect,
            0,
            List.of(),
            connectSeconds,
            memory,
            subscribers.countsPerProcess());
      }
      Histogram latency = new Histogram(3);
      Histogram publishAnswer = new Histogram(3);
      double publishSeconds = 0;
      List<Step> steps = new ArrayList<>();
      long expected = 0;
      try (Publisher publisher = new Publisher(settings, stats)) {
        for (int rate : settings.rates()) {
          Step step = Step.run(settings, stats, subscribers, publisher, rate, expected);
          expected = step.expectedSoFar();
          latency.add(step.latency());
          publishAnswer.add(step.publishAnswer());
          publishSeconds += step.publishSeconds();
          steps.add(step);
          if (!step.sustained()) {
            break;
          }
        }
      }
      return new Result(
          settings,
          stats,
          latency,
          publishAnswer,
          publishSeconds,
          connect,
          expected,
          steps,
          connectSeconds,
          null,
          subscribers.countsPerProcess());
    }
  }

  /**
   * Refuses a run whose processes would each need more descriptors than this one may open (one per
   * connection, and some for the JVM itself), instead of failing halfway with "too many open
   * files".
   */
  private static void checkDescriptors(Settings settings) {
    if (!(ManagementFactory.getOperatingSystemMXBean() instanceof UnixOperatingSystemMXBean unix)) {
      return;
    }
    long perProcess = settings.firstSubscriberOf(1);
    long limit = unix.getMaxFileDescriptorCount() - JVM_DESCRIPTORS;
    if (perProcess > limit) {
      throw new IllegalArgumentException(
          String.format(
              "%d subscribers per process, but a process may open only %d descriptors here:"
                  + " raise --processes",
              perProcess, unix.getMaxFileDescriptorCount()));
    }
  }

  /**
   * Creates the run's channels, and reports what they took: the time, and the heap each holds while
   * nobody reads it (measured after a full collection before and after).
   */
  private static void createChannels(Settings settings) throws Exception {
    Memory before = Memory.sum(Memory.measure(settings));
    long millis = ChannelAddresses.create(settings);
    Memory after = Memory.sum(Memory.measure(settings));
    System.out.printf(
        "channels: %d created in %d ms (%.0f/s); heap per idle channel %.2f KiB%n",
        settings.topics(),
        millis,
        settings.topics() * 1000.0 / Math.max(1, millis),
        (after.heapAfterGcKb() - before.heapAfterGcKb()) / (double) settings.topics());
  }

  /** The idle scenario: measures the servers with every connection open, then holds them. */
  private static IdleMemory hold(Settings settings, List<Memory> before)
      throws InterruptedException {
    List<Memory> after = Memory.measure(settings);
    TimeUnit.NANOSECONDS.sleep(settings.hold().toNanos());
    return new IdleMemory(before, after);
  }
}
