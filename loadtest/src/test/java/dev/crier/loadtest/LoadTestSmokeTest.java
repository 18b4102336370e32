package dev.crier.loadtest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The smoke size of the fan-out and one-to-one scenarios against a real Crier node started from its
 * packaged jar: every event reaches every subscriber once, in order.
 */
class LoadTestSmokeTest {

  private static LoadTest.Result run(
      String target, String sub, String pub, int topics, int subscribers, int rate, int seconds)
      throws Exception {
    return LoadTest.run(
        Settings.parse(
            new String[] {
              "--target",
              target,
              "--sub-token",
              sub,
              "--pub-token",
              pub,
              "--topics",
              Integer.toString(topics),
              "--subscribers",
              Integer.toString(subscribers),
              "--rate",
              Integer.toString(rate),
              "--duration",
              Integer.toString(seconds)
            }));
  }

  @Test
  void smokeLoadsAgainstARealNodeAreDeliveredCompletelyAndInOrder() throws Exception {
    Path jar = Path.of(System.getProperty("crier.jar", "../proxy-node/target/crier-node.jar"));
    assertTrue(Files.exists(jar), "build proxy-node first: " + jar);
    Process node =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Dcrier.http.interface=127.0.0.1",
                "-Dcrier.http.port=0",
                "-Dcrier.management.port=0",
                "-Dcrier.bridge.port=0",
                "-Dcrier.management.interface=127.0.0.1",
                "-Dpekko.remote.artery.canonical.hostname=127.0.0.1",
                "-Dpekko.remote.artery.canonical.port=0",
                "-jar",
                jar.toString())
            .redirectError(ProcessBuilder.Redirect.DISCARD)
            .start();
    try {
      Map<String, String> printed = new HashMap<>();
      BufferedReader out =
          new BufferedReader(new InputStreamReader(node.getInputStream(), StandardCharsets.UTF_8));
      for (String line = out.readLine();
          line != null && !line.equals("crier: ready");
          line = out.readLine()) {
        int space = line.lastIndexOf(' ');
        printed.put(line.substring(0, space), line.substring(space + 1));
      }
      String target = "http://" + printed.get("crier: http listening on");
      String sub = printed.get("crier: dev subscriber token:");
      String pub = printed.get("crier: dev publisher token:");

      LoadTest.Result fanOut = run(target, sub, pub, 1, 200, 50, 3);
      assertTrue(fanOut.clean(), fanOut.summary());
      assertEquals(fanOut.expected(), fanOut.received());
      assertTrue(fanOut.expected() >= 200 * 100, fanOut.summary());

      LoadTest.Result oneToOne = run(target, sub, pub, 200, 200, 400, 3);
      assertTrue(oneToOne.clean(), oneToOne.summary());
      assertTrue(oneToOne.expected() >= 1000, oneToOne.summary());
    } finally {
      node.destroy();
      node.waitFor(30, TimeUnit.SECONDS);
      node.destroyForcibly();
    }
  }
}
