package dev.crier.loadtest;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.management.UnixOperatingSystemMXBean;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;

/**
 * Runs one load: opens the subscribers, publishes at each configured rate in turn (stopping at the
 * first the server does not sustain), waits for the last events to arrive, then reports throughput,
 * latency percentiles, and every integrity fault.
 */
public final class LoadTest {
  /** A step is sustained when its p99 stays at or under this. */
  static final double MAX_P99_MILLIS = 500;

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
      Files.writeString(Path.of(settings.results()), result.json());
    }
    System.exit(result.clean() ? 0 : 1);
  }

  /** Runs the load and returns what was measured. */
  public static Result run(Settings settings) throws Exception {
    checkDescriptors(settings);
    Stats stats = new Stats();
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
          Step step = step(settings, stats, subscribers, publisher, rate, expected);
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

  /** The idle scenario: measures the servers with every connection open, then holds them. */
  private static IdleMemory hold(Settings settings, List<Memory> before)
      throws InterruptedException {
    List<Memory> after = Memory.measure(settings);
    TimeUnit.NANOSECONDS.sleep(settings.hold().toNanos());
    return new IdleMemory(before, after);
  }

  /** A server's memory at one moment, KiB; -1 where not measured. */
  record Memory(long rssKb, long heapAfterGcKb) {
    /**
     * Each server's, in the order of {@link Settings#serverPids}. jcmd only for Crier: attaching
     * sends SIGQUIT, which a JVM answers and nginx takes as an order to shut down.
     */
    static List<Memory> measure(Settings settings) throws InterruptedException {
      List<Memory> out = new ArrayList<>();
      for (long pid : settings.serverPids()) {
        out.add(
            new Memory(
                ServerMemory.rssKb(pid),
                settings.server() == Server.CRIER ? ServerMemory.heapAfterGcKb(pid) : -1));
      }
      return out;
    }

    /** All servers together; -1 where any one was not measured. */
    static Memory sum(List<Memory> servers) {
      long rss = 0;
      long heap = 0;
      for (Memory m : servers) {
        rss = rss < 0 || m.rssKb() < 0 ? -1 : rss + m.rssKb();
        heap = heap < 0 || m.heapAfterGcKb() < 0 ? -1 : heap + m.heapAfterGcKb();
      }
      return servers.isEmpty() ? new Memory(-1, -1) : new Memory(rss, heap);
    }
  }

  /**
   * The servers' memory before the connections opened and with all of them open, each server's and
   * all together.
   */
  record IdleMemory(List<Memory> before, List<Memory> after) {
    Memory totalBefore() {
      return Memory.sum(before);
    }

    Memory totalAfter() {
      return Memory.sum(after);
    }

    double rssPerConnectionKb(long connections) {
      return perConnection(totalBefore().rssKb(), totalAfter().rssKb(), connections);
    }

    double heapPerConnectionKb(long connections) {
      return perConnection(
          totalBefore().heapAfterGcKb(), totalAfter().heapAfterGcKb(), connections);
    }

    static double perConnection(long beforeKb, long afterKb, long connections) {
      return beforeKb < 0 || afterKb < 0 || connections <= 0
          ? Double.NaN
          : (afterKb - beforeKb) / (double) connections;
    }
  }

  private static Step step(
      Settings settings,
      Stats stats,
      SubscriberGroup subscribers,
      Publisher publisher,
      int rate,
      long expectedBefore)
      throws Exception {
    subscribers.flush();
    stats.takeLatency();
    stats.takePublishAnswer();
    long publishedBefore = stats.published.sum();
    long receivedBefore = stats.received.sum();
    long faultsBefore = faults(stats);
    long start = System.nanoTime();
    publisher.run(rate, settings.duration());
    double publishSeconds = (System.nanoTime() - start) / 1e9;
    Histogram publishAnswer = stats.takePublishAnswer();
    long published = stats.published.sum() - publishedBefore;
    long expected = expectedBefore + expectedDeliveries(settings, published, publishedBefore);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(settings.stepping() ? 5 : 10);
    while (stats.received.sum() < expected && System.nanoTime() < deadline) {
      TimeUnit.MILLISECONDS.sleep(20);
    }
    double seconds = (System.nanoTime() - start) / 1e9;
    subscribers.flush();
    long delivered = stats.received.sum() - receivedBefore;
    Histogram latency = stats.takeLatency();
    boolean sustained =
        published >= 0.95 * rate * settings.duration().toSeconds()
            && stats.received.sum() >= expected
            && faults(stats) == faultsBefore
            && latency.getValueAtPercentile(99) / 1000.0 <= MAX_P99_MILLIS;
    return new Step(
        rate,
        published,
        delivered,
        seconds,
        latency,
        publishAnswer,
        publishSeconds,
        expected,
        sustained);
  }

  /** Events lost, repeated or refused so far. */
  private static long faults(Stats stats) {
    return stats.missing.sum() + stats.duplicated.sum() + stats.publishFailures.sum();
  }

  /**
   * Every published event reaches every subscriber of its topic; events go round robin over the
   * topics, continuing where the previous step stopped.
   */
  static long expectedDeliveries(Settings s, long published, long publishedBefore) {
    long total = 0;
    int topics = s.topics();
    long perTopic = published / topics;
    long extra = published % topics;
    for (int t = 0; t < topics; t++) {
      long subscribersOfTopic = s.subscribers() / topics + (t < s.subscribers() % topics ? 1 : 0);
      int position = (int) Math.floorMod(t - publishedBefore, (long) topics);
      total += (perTopic + (position < extra ? 1 : 0)) * subscribersOfTopic;
    }
    return total;
  }

  /**
   * One publish rate held for the configured duration.
   *
   * @param publishAnswer every publish request's time from send to answer, microseconds
   * @param publishSeconds from the first publish to the last answer
   */
  record Step(
      int rate,
      long published,
      long delivered,
      double seconds,
      Histogram latency,
      Histogram publishAnswer,
      double publishSeconds,
      long expectedSoFar,
      boolean sustained) {

    double deliveredPerSecond() {
      return delivered / seconds;
    }

    double p99Millis() {
      return latency.getValueAtPercentile(99) / 1000.0;
    }

    double publishAnswersPerSecond() {
      return publishAnswer.getTotalCount() / publishSeconds;
    }
  }

  /**
   * The figures of one run.
   *
   * @param latency publish → receive, microseconds, over all steps
   * @param publishAnswer publish request → its answer, microseconds, over all steps
   * @param publishSeconds time spent publishing (first publish to last answer), over all steps
   */
  public record Result(
      Settings settings,
      Stats stats,
      Histogram latency,
      Histogram publishAnswer,
      double publishSeconds,
      Histogram connect,
      long expected,
      List<Step> steps,
      double connectSeconds,
      IdleMemory memory,
      List<Stats.Counts> countsPerProcess) {

    public long received() {
      return stats.received.sum();
    }

    public long missing() {
      return Math.max(expected - received(), 0) + stats.missing.sum();
    }

    public long duplicated() {
      return stats.duplicated.sum();
    }

    public long connected() {
      return stats.connected.sum() - stats.reconnects.sum();
    }

    /**
     * Connections open on {@code subscribeTo.get(server)}: its share of the subscribers when all of
     * them connected; -1 (not known, so no figure per connection) when some did not.
     */
    long connectionsOf(int server) {
      return connected() == settings.subscribers() ? settings.subscribersOf(server) : -1;
    }

    /** The sustained step with the most deliveries per second, or null if none was sustained. */
    Step best() {
      Step best = null;
      for (Step s : steps) {
        if (s.sustained() && (best == null || s.deliveredPerSecond() > best.deliveredPerSecond())) {
          best = s;
        }
      }
      return best;
    }

    /**
     * No lost, repeated or reordered event, no error, every subscriber connected. When stepping,
     * the last step may fail to keep up (that is how the maximum is found), but nothing may be
     * lost.
     */
    public boolean clean() {
      return missing() == 0
          && duplicated() == 0
          && (settings.stepping() || stats.errors.isEmpty())
          && stats.reconnects.sum() == 0
          && connected() == settings.subscribers();
    }

    String summary() {
      StringBuilder out =
          new StringBuilder(
              String.format(
                  "%s: subscribers %d/%d connected in %.1f s; published %d (%d failed);"
                      + " delivered %d of %d; missing %d, duplicated %d, reconnects %d;"
                      + " latency ms p50 %.2f p99 %.2f max %.2f;"
                      + " publish answers %d, ms p50 %.2f p99 %.2f p99.9 %.2f; errors %s",
                  settings.label(),
                  connected(),
                  settings.subscribers(),
                  connectSeconds,
                  stats.published.sum(),
                  stats.publishFailures.sum(),
                  received(),
                  expected,
                  missing(),
                  duplicated(),
                  stats.reconnects.sum(),
                  latency.getValueAtPercentile(50) / 1000.0,
                  latency.getValueAtPercentile(99) / 1000.0,
                  latency.getMaxValue() / 1000.0,
                  publishAnswer.getTotalCount(),
                  publishAnswer.getValueAtPercentile(50) / 1000.0,
                  publishAnswer.getValueAtPercentile(99) / 1000.0,
                  publishAnswer.getValueAtPercentile(99.9) / 1000.0,
                  errors()));
      if (memory != null) {
        out.append(
            String.format(
                "%n  server memory per connection: RSS %.1f KiB, heap after GC %.1f KiB",
                memory.rssPerConnectionKb(connected()), memory.heapPerConnectionKb(connected())));
        if (memory.after().size() > 1) {
          for (int n = 0; n < memory.after().size(); n++) {
            Memory before = memory.before().get(n);
            Memory after = memory.after().get(n);
            long connections = connectionsOf(n);
            out.append(
                String.format(
                    "%n    %s: %d connections, RSS %d MiB (%.1f KiB per connection),"
                        + " heap after GC %d MiB (%.1f KiB per connection)",
                    settings.subscribeTo().get(n),
                    connections,
                    after.rssKb() / 1024,
                    IdleMemory.perConnection(before.rssKb(), after.rssKb(), connections),
                    after.heapAfterGcKb() / 1024,
                    IdleMemory.perConnection(
                        before.heapAfterGcKb(), after.heapAfterGcKb(), connections)));
          }
        }
      }
      if (countsPerProcess.size() > 1) {
        for (int w = 0; w < countsPerProcess.size(); w++) {
          Stats.Counts c = countsPerProcess.get(w);
          out.append(
              String.format(
                  "%n  process %d: %d connected, %d received, %d missing, %d duplicated",
                  w, c.connected() - c.reconnects(), c.received(), c.missing(), c.duplicated()));
        }
      }
      for (Step s : steps) {
        out.append(
            String.format(
                "%n  rate %d/s: %.0f deliveries/s, p99 %.1f ms;"
                    + " %.0f publish answers/s, p99 %.1f ms%s",
                s.rate(),
                s.deliveredPerSecond(),
                s.p99Millis(),
                s.publishAnswersPerSecond(),
                s.publishAnswer().getValueAtPercentile(99) / 1000.0,
                s.sustained() ? "" : " (not sustained)"));
      }
      return out.toString();
    }

    private Map<String, Long> errors() {
      Map<String, Long> out = new TreeMap<>();
      stats.errors.forEach((k, v) -> out.put(k, v.sum()));
      return out;
    }

    String json() throws Exception {
      ObjectMapper mapper = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
      ObjectNode root = mapper.createObjectNode();
      root.put("server", settings.label());
      root.putObject("settings")
          .put("target", settings.target().toString())
          .put("publishTo", settings.publishTo().toString())
          .put("subscribeTo", settings.subscribeTo().toString())
          .put("topics", settings.topics())
          .put("subscribers", settings.subscribers())
          .put("processes", settings.processes())
          .put("rates", settings.rates().toString())
          .put("durationSeconds", settings.duration().toSeconds())
          .put("publishMode", settings.publishMode().label())
          .put("publishConnections", settings.publishConnections())
          .put("publishInFlight", settings.publishInFlight())
          .put("payloadBytes", settings.payload());
      root.put("connected", connected())
          .put("published", stats.published.sum())
          .put("publishFailures", stats.publishFailures.sum())
          .put("expected", expected)
          .put("delivered", received())
          .put("missing", missing())
          .put("duplicated", duplicated())
          .put("reconnects", stats.reconnects.sum())
          .put("clean", clean());
      percentiles(root.putObject("latencyMillis"), latency);
      publishJson(root.putObject("publish"), stats.published.sum(), publishAnswer, publishSeconds);
      root.putObject("connectMillis")
          .put("p50", connect.getValueAtPercentile(50) / 1000.0)
          .put("p99", connect.getValueAtPercentile(99) / 1000.0)
          .put("perSecond", connected() / Math.max(connectSeconds, 1e-9));
      ArrayNode stepNodes = root.putArray("steps");
      for (Step s : steps) {
        ObjectNode node =
            stepNodes
                .addObject()
                .put("rate", s.rate())
                .put("published", s.published())
                .put("delivered", s.delivered())
                .put("deliveredPerSecond", s.deliveredPerSecond())
                .put("sustained", s.sustained());
        percentiles(node.putObject("latencyMillis"), s.latency());
        publishJson(
            node.putObject("publish"), s.published(), s.publishAnswer(), s.publishSeconds());
      }
      Step best = best();
      if (best != null) {
        root.putObject("maxSustained")
            .put("rate", best.rate())
            .put("deliveredPerSecond", best.deliveredPerSecond())
            .put("p99Millis", best.p99Millis());
      }
      if (memory != null) {
        memoryJson(
            root.putObject("memory"), memory.totalBefore(), memory.totalAfter(), connected());
        if (memory.after().size() > 1) {
          ArrayNode nodes = root.putArray("nodes");
          for (int n = 0; n < memory.after().size(); n++) {
            memoryJson(
                nodes
                    .addObject()
                    .put("url", settings.subscribeTo().get(n).toString())
                    .put("pid", settings.serverPids().get(n))
                    .put("connections", connectionsOf(n)),
                memory.before().get(n),
                memory.after().get(n),
                connectionsOf(n));
          }
        }
      }
      ArrayNode processes = root.putArray("processes");
      for (Stats.Counts c : countsPerProcess) {
        processes
            .addObject()
            .put("connected", c.connected() - c.reconnects())
            .put("received", c.received())
            .put("missing", c.missing())
            .put("duplicated", c.duplicated())
            .put("reconnects", c.reconnects());
      }
      ObjectNode errors = root.putObject("errors");
      errors().forEach(errors::put);
      return mapper.writeValueAsString(root);
    }

    private static void memoryJson(ObjectNode node, Memory before, Memory after, long connections) {
      node.put("rssBeforeKb", before.rssKb())
          .put("rssAfterKb", after.rssKb())
          .put("heapAfterGcBeforeKb", before.heapAfterGcKb())
          .put("heapAfterGcAfterKb", after.heapAfterGcKb());
      double rss = IdleMemory.perConnection(before.rssKb(), after.rssKb(), connections);
      double heap =
          IdleMemory.perConnection(before.heapAfterGcKb(), after.heapAfterGcKb(), connections);
      if (Double.isFinite(rss)) {
        node.put("rssPerConnectionKb", rss);
      }
      if (Double.isFinite(heap)) {
        node.put("heapPerConnectionKb", heap);
      }
    }

    /**
     * Publish answers: how many, how many per second of publishing, and their times, which only a
     * run that published over HTTP has (NNG push has no answers; the idle scenario publishes
     * nothing).
     */
    static void publishJson(ObjectNode node, long published, Histogram answers, double seconds) {
      node.put("answers", answers.getTotalCount());
      if (seconds > 0) {
        node.put("answersPerSecond", answers.getTotalCount() / seconds)
            .put("eventsPerSecond", published / seconds);
      }
      if (answers.getTotalCount() > 0) {
        percentiles(node.putObject("answerMillis"), answers);
      }
    }

    private static void percentiles(ObjectNode node, Histogram h) {
      for (double p : new double[] {50, 90, 99, 99.9}) {
        node.put(
            "p" + (p == 99.9 ? "99_9" : Integer.toString((int) p)),
            h.getValueAtPercentile(p) / 1000.0);
      }
      node.put("max", h.getMaxValue() / 1000.0);
    }
  }
}
