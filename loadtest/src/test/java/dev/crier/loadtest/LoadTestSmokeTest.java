package dev.crier.loadtest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The smoke size of the fan-out and one-to-one scenarios (of topics, and of channels) against a
 * real Crier node started from its packaged jar, with the subscribers in this process and spread
 * over worker processes: every event reaches every subscriber once, in order.
 */
class LoadTestSmokeTest {
  private static Process node;
  private static String target;
  private static String sub;
  private static String pub;

  @BeforeAll
  static void startNode() throws Exception {
    Path jar = Path.of(System.getProperty("crier.jar", "../proxy-node/target/crier-node.jar"));
    assertTrue(Files.exists(jar), "build proxy-node first: " + jar);
    node =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Dcrier.http.interface=127.0.0.1",
                "-Dcrier.http.port=0",
                "-Dcrier.management.port=0",
                "-Dcrier.bridge.port=0",
                "-Dcrier.channels.create-rate=0",
                "-Dcrier.management.interface=127.0.0.1",
                "-Dpekko.remote.artery.canonical.hostname=127.0.0.1",
                "-Dpekko.remote.artery.canonical.port=0",
                "-jar",
                jar.toString())
            .redirectError(ProcessBuilder.Redirect.DISCARD)
            .start();
    Map<String, String> printed = new HashMap<>();
    BufferedReader out =
        new BufferedReader(new InputStreamReader(node.getInputStream(), StandardCharsets.UTF_8));
    for (String line = out.readLine();
        line != null && !line.equals("crier: ready");
        line = out.readLine()) {
      int space = line.lastIndexOf(' ');
      printed.put(line.substring(0, space), line.substring(space + 1));
    }
    target = "http://" + printed.get("crier: http listening on");
    sub = printed.get("crier: dev subscriber token:");
    pub = printed.get("crier: dev publisher token:");
  }

  @AfterAll
  static void stopNode() throws InterruptedException {
    node.destroy();
    node.waitFor(30, TimeUnit.SECONDS);
    node.destroyForcibly();
  }

  private static Result run(
      int processes, int topics, int subscribers, int rate, int seconds, String... more)
      throws Exception {
    List<String> args =
        new ArrayList<>(
            List.of(
                "--target",
                target,
                "--sub-token",
                sub,
                "--pub-token",
                pub,
                "--processes",
                Integer.toString(processes),
                "--topics",
                Integer.toString(topics),
                "--subscribers",
                Integer.toString(subscribers),
                "--rate",
                Integer.toString(rate),
                "--duration",
                Integer.toString(seconds)));
    args.addAll(List.of(more));
    return LoadTest.run(Settings.parse(args.toArray(String[]::new)));
  }

  @Test
  void smokeLoadsAgainstARealNodeAreDeliveredCompletelyAndInOrder() throws Exception {
    Result fanOut = run(1, 1, 200, 50, 3);
    assertTrue(fanOut.clean(), fanOut.summary());
    assertEquals(fanOut.expected(), fanOut.received());
    assertTrue(fanOut.expected() >= 200 * 100, fanOut.summary());
    assertTrue(fanOut.publishAnswer().getTotalCount() > 0, "the answers were timed");

    Result oneToOne = run(1, 200, 200, 400, 3);
    assertTrue(oneToOne.clean(), oneToOne.summary());
    assertTrue(oneToOne.expected() >= 1000, oneToOne.summary());
  }

  @Test
  void channelsAsTopicsDeliverEveryWriteToTheirOneReaderInOrder() throws Exception {
    // Both publishing modes: one POST per event, a topic's (channel's) writes in order.
    for (String mode : List.of("wait", "pipelined")) {
      Result run = run(1, 100, 100, 200, 3, "--server", "crier-channels", "--publish", mode);
      assertTrue(run.clean(), run.summary());
      assertEquals(run.expected(), run.received(), run.summary());
      assertTrue(run.expected() >= 300, run.summary());
    }
  }

  @Test
  void pipelinedPublishingKeepsEveryTopicsOrderAtTheNodeAndTimesEveryAnswer() throws Exception {
    // 3 topics over 2 connections, at most 8 requests unanswered on each
    Result run =
        run(
            1,
            3,
            150,
            300,
            3,
            "--publish",
            "pipelined",
            "--publish-connections",
            "2",
            "--publish-in-flight",
            "8");
    assertTrue(run.clean(), run.summary());
    assertEquals(run.expected(), run.received(), run.summary());
    assertTrue(run.expected() >= 150 * 250, run.summary());
    assertTrue(run.publishAnswer().getTotalCount() > 0, run.summary());
    assertTrue(run.publishSeconds() >= 3, run.summary());
  }

  @Test
  void subscribersSpreadOverWorkerProcessesAddUpToOneCleanRun() throws Exception {
    // an odd count over 2 topics and 2 processes: each process holds subscribers of both topics,
    // one process one more than the other
    Result run = run(2, 2, 301, 100, 3);
    assertTrue(run.clean(), run.summary());
    assertEquals(run.expected(), run.received(), run.summary());
    assertTrue(run.expected() >= 301 * 100, run.summary());
    // every event received in a worker was timed, and its time reached the merged histogram
    assertEquals(run.received(), run.latency().getTotalCount(), run.summary());

    List<Stats.Counts> perProcess = run.countsPerProcess();
    assertEquals(2, perProcess.size());
    List<Long> connected = new ArrayList<>();
    long received = 0;
    for (Stats.Counts c : perProcess) {
      connected.add(c.connected());
      received += c.received();
      assertEquals(0, c.missing() + c.duplicated() + c.reconnects(), run.summary());
    }
    assertEquals(List.of(150L, 151L), connected);
    assertEquals(run.received(), received);
  }
}
