package dev.crier.loadtest;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.HdrHistogram.Histogram;

/**
 * A run's {@link Result} as the JSON document {@code --results} writes and {@link Report} reads:
 * times in milliseconds, memory in KiB, a figure per connection only where it could be measured.
 */
final class ResultJson {
  private ResultJson() {}

  static String of(Result result) throws Exception {
    Settings settings = result.settings();
    Stats stats = result.stats();
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
    root.put("connected", result.connected())
        .put("published", stats.published.sum())
        .put("publishFailures", stats.publishFailures.sum())
        .put("expected", result.expected())
        .put("delivered", result.received())
        .put("missing", result.missing())
        .put("duplicated", result.duplicated())
        .put("reconnects", stats.reconnects.sum())
        .put("clean", result.clean());
    percentiles(root.putObject("latencyMillis"), result.latency());
    publishJson(
        root.putObject("publish"),
        stats.published.sum(),
        result.publishAnswer(),
        result.publishSeconds());
    root.putObject("connectMillis")
        .put("p50", result.connect().getValueAtPercentile(50) / 1000.0)
        .put("p99", result.connect().getValueAtPercentile(99) / 1000.0)
        .put("perSecond", result.connected() / Math.max(result.connectSeconds(), 1e-9));
    ArrayNode stepNodes = root.putArray("steps");
    for (Step s : result.steps()) {
      ObjectNode node =
          stepNodes
              .addObject()
              .put("rate", s.rate())
              .put("published", s.published())
              .put("delivered", s.delivered())
              .put("deliveredPerSecond", s.deliveredPerSecond())
              .put("sustained", s.sustained());
      percentiles(node.putObject("latencyMillis"), s.latency());
      publishJson(node.putObject("publish"), s.published(), s.publishAnswer(), s.publishSeconds());
    }
    Step best = result.best();
    if (best != null) {
      root.putObject("maxSustained")
          .put("rate", best.rate())
          .put("deliveredPerSecond", best.deliveredPerSecond())
          .put("p99Millis", best.p99Millis());
    }
    IdleMemory memory = result.memory();
    if (memory != null) {
      memoryJson(
          root.putObject("memory"), memory.totalBefore(), memory.totalAfter(), result.connected());
      if (memory.after().size() > 1) {
        ArrayNode nodes = root.putArray("nodes");
        for (int n = 0; n < memory.after().size(); n++) {
          memoryJson(
              nodes
                  .addObject()
                  .put("url", settings.subscribeTo().get(n).toString())
                  .put("pid", settings.serverPids().get(n))
                  .put("connections", result.connectionsOf(n)),
              memory.before().get(n),
              memory.after().get(n),
              result.connectionsOf(n));
        }
      }
    }
    ArrayNode processes = root.putArray("processes");
    for (Stats.Counts c : result.countsPerProcess()) {
      processes
          .addObject()
          .put("connected", c.connected() - c.reconnects())
          .put("received", c.received())
          .put("missing", c.missing())
          .put("duplicated", c.duplicated())
          .put("reconnects", c.reconnects());
    }
    ObjectNode errors = root.putObject("errors");
    result.errors().forEach(errors::put);
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
   * Publish answers: how many, how many per second of publishing, and their times, which only a run
   * that published over HTTP has (NNG push has no answers; the idle scenario publishes nothing).
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
