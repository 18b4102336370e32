package dev.crier.node.management;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.crier.node.support.AuthService;
import dev.crier.node.support.Await;
import dev.crier.node.support.Binaries;
import dev.crier.node.support.Http;
import dev.crier.node.support.TestNode;
import java.io.IOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The monitoring files under {@code ops/} against a real node: the alert rules pass promtool, and
 * every metric the rules and the Grafana dashboard query is one the node exposes.
 */
class OpsArtifactsTest {
  private static final Path OPS = Path.of("..", "ops");
  private static final Pattern METRIC = Pattern.compile("\\b((?:crier|jvm)_[a-z_]+)\\b");

  private static Set<String> metricNames(String text) {
    Set<String> names = new TreeSet<>();
    Matcher m = METRIC.matcher(text);
    while (m.find()) {
      names.add(m.group(1));
    }
    return names;
  }

  private static String captured(Path file, String regex) throws IOException {
    Matcher m =
        Pattern.compile(regex, Pattern.MULTILINE).matcher(Files.readString(OPS.resolve(file)));
    assertTrue(m.find(), file + " has no line matching " + regex);
    return m.group(1);
  }

  /**
   * The node's JVM options are written in four places (the ops scripts, the image, the chart, the
   * systemd unit): they must say the same, and a JVM must start with them.
   */
  @Test
  void everyWayOfRunningANodeGivesItTheSameJvmOptions() throws Exception {
    String defaults = captured(Path.of("lib/jar.sh"), "^CRIER_JAVA_DEFAULTS=\"([^\"]+)\"$");
    assertEquals(defaults, captured(Path.of("docker/Dockerfile"), "^ENV JAVA_OPTS=\"([^\"]+)\"$"));
    assertEquals(defaults, captured(Path.of("helm/crier/values.yaml"), "^javaOpts: \"([^\"]+)\"$"));
    assertEquals(
        defaults,
        captured(Path.of("systemd/crier.service"), "^Environment=\"JAVA_OPTS=([^\"]+)\"$"));
    assertTrue(
        Files.readString(OPS.resolve("crier")).contains("${JAVA_OPTS:-$CRIER_JAVA_DEFAULTS}"),
        "ops/crier uses the defaults");
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    List<String> command = new ArrayList<>();
    command.add(java);
    command.addAll(List.of(defaults.split(" ")));
    command.add("-version");
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(30, TimeUnit.SECONDS), "java -version did not end");
    assertEquals(0, p.exitValue(), "java " + defaults + " -version: " + out);
  }

  @Test
  void alertRulesAndDashboardQueryOnlyMetricsTheNodeExposes() throws Exception {
    String alerts = Files.readString(OPS.resolve("prometheus/alerts.yml"));
    JsonNode dashboard =
        new ObjectMapper().readTree(OPS.resolve("grafana/crier-dashboard.json").toFile());
    StringBuilder queries = new StringBuilder(alerts);
    for (JsonNode panel : dashboard.get("panels")) {
      assertTrue(panel.hasNonNull("title") && panel.hasNonNull("gridPos"), panel.toString());
      for (JsonNode target : panel.get("targets")) {
        queries.append('\n').append(target.get("expr").asText());
      }
    }
    Set<String> used = metricNames(queries.toString());
    assertTrue(used.size() > 10, "found only " + used);
    // two nodes, so that per-peer bridge series exist, one refused bridge connection, and an
    // auth webhook, so that its series exist
    try (AuthService webhook = new AuthService();
        TestNode first =
            TestNode.start(
                "crier.auth.verifiers = [jwt, webhook]\n"
                    + "crier.auth.webhook.url = \""
                    + webhook.url()
                    + "\"");
        TestNode second = TestNode.joining(first, "")) {
      assertEquals(403, Http.get(first.http("/events/ops"), "an-opaque-token").status());
      try (Socket socket = new Socket("127.0.0.1", first.bridgePort())) {
        socket.getOutputStream().write("not an SP header".getBytes(StandardCharsets.US_ASCII));
        socket.getInputStream().read();
      } catch (IOException reset) {
        // the node closed it, as it should
      }
      // and one refused HTTP request, so that responses and auth failures have series
      assertEquals(401, Http.get(first.http("/events/ops"), null).status());
      Await.until(
          Duration.ofSeconds(30),
          () -> exposedSeries(first).containsAll(used),
          () -> {
            Set<String> missing = new TreeSet<>(used);
            try {
              missing.removeAll(exposedSeries(first));
            } catch (Exception e) {
              return e.toString();
            }
            return "queried but not exposed: " + missing;
          });
    }
  }

  /** Names of the series in the node's /metrics, without labels. */
  private static Set<String> exposedSeries(TestNode node) throws Exception {
    Set<String> series = new TreeSet<>();
    for (String line : Http.get(node.management("/metrics"), null).raw().body().split("\n")) {
      Matcher m = METRIC.matcher(line);
      if (!line.startsWith("#") && m.lookingAt()) {
        series.add(m.group(1));
      }
    }
    return series;
  }

  @Test
  void alertRulesPassPromtool() throws Exception {
    Path promtool = Binaries.require("promtool", "prometheus");
    Process check =
        new ProcessBuilder(
                promtool.toString(),
                "check",
                "rules",
                OPS.resolve("prometheus/alerts.yml").toString())
            .redirectErrorStream(true)
            .start();
    String report = new String(check.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(check.waitFor(30, TimeUnit.SECONDS));
    assertEquals(0, check.exitValue(), report);
  }

  /**
   * Helm is not installable here, so the chart is checked as far as plain YAML allows: its chart
   * and values files parse, and every {@code .Values.…} path a template uses exists in values.yaml
   * (a typo there would render as an empty value, not as an error).
   */
  @Test
  void helmChartParsesAndItsTemplatesUseOnlyDefinedValues() throws Exception {
    Path chart = OPS.resolve("helm/crier");
    ObjectMapper yaml = new ObjectMapper(new YAMLFactory());
    JsonNode meta = yaml.readTree(chart.resolve("Chart.yaml").toFile());
    assertEquals("v2", meta.get("apiVersion").asText());
    assertEquals("crier", meta.get("name").asText());
    JsonNode values = yaml.readTree(chart.resolve("values.yaml").toFile());
    Pattern reference = Pattern.compile("\\.Values\\.([A-Za-z0-9_.]+)");
    Set<String> missing = new TreeSet<>();
    int references = 0;
    try (var templates = Files.list(chart.resolve("templates"))) {
      for (Path template : templates.toList()) {
        Matcher m = reference.matcher(Files.readString(template));
        while (m.find()) {
          references++;
          JsonNode node = values;
          for (String key : m.group(1).split("\\.")) {
            node = node.path(key);
          }
          if (node.isMissingNode()) {
            missing.add(template.getFileName() + ": .Values." + m.group(1));
          }
        }
      }
    }
    assertTrue(references > 20, "found only " + references + " value references");
    assertEquals(Set.of(), missing);
  }

  /** Runs ops/lib/jar.sh's build against a stand-in {@code mvn} that prints and exits as told. */
  private static Process buildWith(String mvnOutput, int mvnExit) throws Exception {
    Path bin = Files.createTempDirectory("crier-fake-mvn");
    Path mvn = bin.resolve("mvn");
    Files.writeString(mvn, "#!/bin/sh\nprintf '" + mvnOutput + "'\nexit " + mvnExit + "\n");
    assertTrue(mvn.toFile().setExecutable(true));
    ProcessBuilder build =
        new ProcessBuilder(
                "bash",
                "-c",
                ". \"$0\"; CRIER_JAR=\"$1/none.jar\"; crier_build_jar",
                OPS.resolve("lib/jar.sh").toString(),
                bin.toString())
            .redirectErrorStream(true);
    build.environment().put("PATH", bin + ":" + System.getenv("PATH"));
    return build.start();
  }

  @Test
  void aFirstRunBuildsQuietlyAndShowsMavenOnlyWhenItFailsWithoutTerminalEscapes() throws Exception {
    // Maven 3.8 prints ESC[0m resets even with -B -q and no terminal.
    Process ok = buildWith("\\033[0m\\033[0m", 0);
    String okOutput = new String(ok.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertEquals(0, ok.waitFor());
    assertTrue(
        okOutput.matches("crier: building \\S+/none\\.jar\n"),
        "only the building line, nothing of Maven's: " + okOutput);
    Process failed = buildWith("\\033[1;31m[ERROR] it broke\\033[m\\n", 1);
    String failedOutput =
        new String(failed.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertEquals(1, failed.waitFor());
    assertTrue(failedOutput.contains("[ERROR] it broke\n"), failedOutput);
    assertTrue(failedOutput.indexOf('\u001b') < 0, "no escape: " + failedOutput);
  }
}
