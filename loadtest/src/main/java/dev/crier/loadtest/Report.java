package dev.crier.loadtest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Puts the results of one scenario's targets side by side: a Markdown table with each figure, the
 * same figure for the peers, and Crier's ratio to each peer, and an SVG bar chart.
 *
 * <p>Usage: {@code java -cp crier-loadtest.jar dev.crier.loadtest.Report OUT_PREFIX RESULT.json…}
 * writes {@code OUT_PREFIX.md} and {@code OUT_PREFIX.svg}.
 */
public final class Report {
  private Report() {}

  private record Metric(String name, String field, boolean higherIsBetter) {}

  private static final List<Metric> METRICS =
      List.of(
          new Metric("max sustained deliveries/s", "maxSustained/deliveredPerSecond", true),
          new Metric("… at publish rate (events/s)", "maxSustained/rate", true),
          new Metric("… its p99 latency (ms)", "maxSustained/p99Millis", false),
          new Metric("latency p50, all steps (ms)", "latencyMillis/p50", false),
          new Metric("latency p99, all steps (ms)", "latencyMillis/p99", false),
          new Metric("latency p99.9, all steps (ms)", "latencyMillis/p99_9", false),
          new Metric("publish answer p50 (ms)", "publish/answerMillis/p50", false),
          new Metric("publish answer p99 (ms)", "publish/answerMillis/p99", false),
          new Metric("publish answer p99.9 (ms)", "publish/answerMillis/p99_9", false),
          new Metric("publish requests answered/s", "publish/answersPerSecond", true),
          new Metric("events accepted/s while publishing", "publish/eventsPerSecond", true),
          new Metric("connections accepted/s", "connectMillis/perSecond", true),
          new Metric("server RSS per connection (KiB)", "memory/rssPerConnectionKb", false),
          new Metric("server heap per connection (KiB)", "memory/heapPerConnectionKb", false),
          new Metric("missing + duplicated events", "faults", false));

  public static void main(String[] args) throws Exception {
    ObjectMapper mapper = new ObjectMapper();
    List<JsonNode> runs = new ArrayList<>();
    for (int i = 1; i < args.length; i++) {
      runs.add(mapper.readTree(Path.of(args[i]).toFile()));
    }
    Files.writeString(Path.of(args[0] + ".md"), markdown(runs));
    Files.writeString(Path.of(args[0] + ".svg"), svg(runs));
  }

  static double value(JsonNode run, String field) {
    if (field.equals("faults")) {
      return run.path("missing").asDouble() + run.path("duplicated").asDouble();
    }
    JsonNode node = run;
    for (String part : field.split("/")) {
      node = node.path(part);
    }
    return node.isMissingNode() ? Double.NaN : node.asDouble();
  }

  static String markdown(List<JsonNode> runs) {
    JsonNode crier =
        runs.stream()
            .filter(r -> r.path("server").asText().startsWith("crier"))
            .findFirst()
            .orElse(null);
    StringBuilder out = new StringBuilder("| figure |");
    StringBuilder rule = new StringBuilder("|---|");
    for (JsonNode run : runs) {
      out.append(' ').append(run.path("server").asText()).append(" |");
      rule.append("---:|");
    }
    List<JsonNode> peers = runs.stream().filter(r -> r != crier).toList();
    if (crier != null) {
      for (JsonNode peer : peers) {
        out.append(' ')
            .append(crier.path("server").asText())
            .append(" ÷ ")
            .append(peer.path("server").asText())
            .append(" |");
        rule.append("---:|");
      }
    }
    out.append('\n').append(rule).append('\n');
    for (Metric m : METRICS) {
      if (!m.field().equals("faults")
          && runs.stream().allMatch(r -> unmeasured(value(r, m.field())))) {
        continue;
      }
      out.append("| ").append(m.name()).append(" |");
      for (JsonNode run : runs) {
        out.append(' ').append(format(value(run, m.field()))).append(" |");
      }
      if (crier != null) {
        for (JsonNode peer : peers) {
          double ratio = value(crier, m.field()) / value(peer, m.field());
          out.append(' ')
              .append(Double.isFinite(ratio) ? String.format(Locale.ROOT, "%.2f×", ratio) : "–")
              .append(" |");
        }
      }
      out.append('\n');
    }
    out.append(
            "\nRatios are Crier's figure divided by the peer's: above 1 is better for Crier where more is")
        .append(" better (deliveries, connections), below 1 where less is better (latency).")
        .append(
            " A step is sustained when the publisher got at least 95% of the rate accepted, every"
                + " event arrived within 5 s of the step's end, nothing")
        .append(" was lost or repeated, and p99 ≤ ")
        .append((int) Step.MAX_P99_MILLIS)
        .append(" ms.")
        .append(
            " A publish answer is a publish request's time from its send to its answer, over all"
                + " steps.\n");
    return out.toString();
  }

  /** A figure no run of this scenario measured (the idle scenario publishes nothing). */
  private static boolean unmeasured(double v) {
    return Double.isNaN(v) || v == 0;
  }

  private static String format(double v) {
    if (Double.isNaN(v)) {
      return "–";
    }
    return v >= 100
        ? String.format(Locale.ROOT, "%,.0f", v)
        : String.format(Locale.ROOT, "%.2f", v);
  }

  /** Two bar groups: max sustained deliveries/s, and p99 latency at that rate. */
  static String svg(List<JsonNode> runs) {
    int width = 640;
    int height = 300;
    StringBuilder out =
        new StringBuilder(
            String.format(
                Locale.ROOT,
                "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\""
                    + " font-family=\"sans-serif\" font-size=\"12\">%n",
                width,
                height));
    String[] colors = {"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728"};
    String[][] panels = {
      {"max sustained deliveries/s", "maxSustained/deliveredPerSecond"},
      {"p99 latency at that rate (ms)", "maxSustained/p99Millis"}
    };
    for (int p = 0; p < panels.length; p++) {
      int x0 = 40 + p * (width / 2);
      int chartHeight = 200;
      int y0 = 250;
      double max = 0;
      for (JsonNode run : runs) {
        double v = value(run, panels[p][1]);
        if (Double.isFinite(v)) {
          max = Math.max(max, v);
        }
      }
      out.append(
          String.format(Locale.ROOT, "<text x=\"%d\" y=\"20\">%s</text>%n", x0, panels[p][0]));
      int barWidth = 60;
      for (int i = 0; i < runs.size(); i++) {
        double v = value(runs.get(i), panels[p][1]);
        double h = max > 0 && Double.isFinite(v) ? v / max * chartHeight : 0;
        int x = x0 + i * (barWidth + 20);
        out.append(
            String.format(
                Locale.ROOT,
                "<rect x=\"%d\" y=\"%.1f\" width=\"%d\" height=\"%.1f\" fill=\"%s\"/>%n"
                    + "<text x=\"%d\" y=\"%.1f\">%s</text>%n"
                    + "<text x=\"%d\" y=\"%d\">%s</text>%n",
                x,
                y0 - h,
                barWidth,
                h,
                colors[i % colors.length],
                x,
                y0 - h - 4,
                format(v),
                x,
                y0 + 16,
                runs.get(i).path("server").asText()));
      }
    }
    return out.append("</svg>\n").toString();
  }
}
