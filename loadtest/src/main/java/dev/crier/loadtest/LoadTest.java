package dev.crier.loadtest;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;

/**
 * Runs one load: opens the subscribers, publishes for the configured time, waits for the last
 * events to arrive, then reports throughput, latency percentiles, and every integrity fault.
 */
public final class LoadTest {
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
    Stats stats = new Stats();
    try (Subscribers subscribers = new Subscribers(settings, stats)) {
      long connectStart = System.nanoTime();
      subscribers.connectAll();
      double connectSeconds = (System.nanoTime() - connectStart) / 1e9;
      long publishStart = System.nanoTime();
      new Publisher(settings, stats).run();
      long expected = expectedDeliveries(settings, stats.published.sum());
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (stats.received.sum() < expected && System.nanoTime() < deadline) {
        TimeUnit.MILLISECONDS.sleep(20);
      }
      double seconds = (System.nanoTime() - publishStart) / 1e9;
      return new Result(
          settings,
          stats,
          Stats.snapshot(stats.latency),
          Stats.snapshot(stats.connect),
          expected,
          seconds,
          connectSeconds);
    }
  }

  /** Every published event reaches every subscriber of its topic. */
  private static long expectedDeliveries(Settings s, long published) {
    long perTopic = published / s.topics();
    long extra = published % s.topics();
    long total = 0;
    for (int t = 0; t < s.topics(); t++) {
      long subscribersOfTopic =
          s.subscribers() / s.topics() + (t < s.subscribers() % s.topics() ? 1 : 0);
      total += (perTopic + (t < extra ? 1 : 0)) * subscribersOfTopic;
    }
    return total;
  }

  /** The figures of one run. */
  public record Result(
      Settings settings,
      Stats stats,
      Histogram latency,
      Histogram connect,
      long expected,
      double seconds,
      double connectSeconds) {

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

    /** No lost, repeated or reordered event, no error, every subscriber connected. */
    public boolean clean() {
      return missing() == 0
          && duplicated() == 0
          && stats.errors.isEmpty()
          && stats.reconnects.sum() == 0
          && connected() == settings.subscribers();
    }

    String summary() {
      Histogram l = latency;
      return String.format(
          "subscribers %d/%d connected in %.1f s; published %d (%d failed); delivered %d of %d"
              + " (%.0f/s); missing %d, duplicated %d, reconnects %d; latency ms p50 %.2f p99 %.2f"
              + " max %.2f; errors %s",
          connected(),
          settings.subscribers(),
          connectSeconds,
          stats.published.sum(),
          stats.publishFailures.sum(),
          received(),
          expected,
          received() / seconds,
          missing(),
          duplicated(),
          stats.reconnects.sum(),
          l.getValueAtPercentile(50) / 1000.0,
          l.getValueAtPercentile(99) / 1000.0,
          l.getMaxValue() / 1000.0,
          errors());
    }

    private Map<String, Long> errors() {
      Map<String, Long> out = new TreeMap<>();
      stats.errors.forEach((k, v) -> out.put(k, v.sum()));
      return out;
    }

    String json() throws Exception {
      ObjectMapper mapper = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
      Histogram l = latency;
      Histogram c = connect;
      ObjectNode root = mapper.createObjectNode();
      root.putObject("settings")
          .put("target", settings.target().toString())
          .put("subscribeTo", settings.subscribeTo().toString())
          .put("topics", settings.topics())
          .put("subscribers", settings.subscribers())
          .put("rate", settings.rate())
          .put("durationSeconds", settings.duration().toSeconds())
          .put("payloadBytes", settings.payload());
      root.put("connected", connected())
          .put("published", stats.published.sum())
          .put("publishFailures", stats.publishFailures.sum())
          .put("expected", expected)
          .put("delivered", received())
          .put("deliveredPerSecond", received() / seconds)
          .put("missing", missing())
          .put("duplicated", duplicated())
          .put("reconnects", stats.reconnects.sum());
      ObjectNode latency = root.putObject("latencyMillis");
      for (double p : new double[] {50, 90, 99, 99.9}) {
        latency.put(
            "p" + (p == 99.9 ? "99_9" : Integer.toString((int) p)),
            l.getValueAtPercentile(p) / 1000.0);
      }
      latency.put("max", l.getMaxValue() / 1000.0);
      root.putObject("connectMillis")
          .put("p50", c.getValueAtPercentile(50) / 1000.0)
          .put("p99", c.getValueAtPercentile(99) / 1000.0)
          .put("perSecond", connected() / Math.max(connectSeconds, 1e-9));
      ObjectNode errors = root.putObject("errors");
      errors().forEach(errors::put);
      return mapper.writeValueAsString(root);
    }
  }
}
