package dev.crier.node.support;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.crier.node.Guardian;
import dev.crier.node.auth.TokenMinter;
import dev.crier.node.config.CrierConfig;
import java.net.URI;
import java.net.http.HttpRequest;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.typed.ActorSystem;

/**
 * A real Crier node in this JVM, on 127.0.0.1 with free ports, verifying HS256 tokens signed with
 * {@link #SECRET}. Started from the same Guardian as a node on the command line.
 */
public final class TestNode implements AutoCloseable {
  public static final String SECRET = "test-secret-that-is-long-enough-for-hs256-0123456789";

  private final ActorSystem<Void> system;
  private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
  private final int httpPort;
  private final int managementPort;
  private final int bridgePort;
  private volatile boolean closing;

  private TestNode(String extraConfig, boolean awaitReady) {
    Config config = config(extraConfig);
    system = ActorSystem.create(Guardian.create(config, lines::add, lines::add), "crier", config);
    system
        .getWhenTerminated()
        .thenRun(
            () -> {
              if (!closing) {
                System.err.println(
                    "TestNode: node " + system.address() + " stopped before the test closed it");
              }
            });
    int http = -1;
    int management = -1;
    int bridge = -1;
    for (String line = next(); !line.equals("crier: ready"); line = next()) {
      if (line.startsWith("crier: http listening on ")) {
        http = port(line);
      } else if (line.startsWith("crier: management listening on ")) {
        management = port(line);
      } else if (line.startsWith("crier: bridge listening on ")) {
        bridge = port(line);
      }
      if (!awaitReady && http > 0 && management > 0) {
        break;
      }
    }
    httpPort = http;
    managementPort = management;
    bridgePort = bridge;
  }

  /**
   * The configuration a test node with extra HOCON runs with, for tests that start a node
   * themselves (e.g. one that must fail to start).
   */
  public static Config config(String extraConfig) {
    // Test defaults first, so that a test's own HOCON can override any of them.
    Config overrides =
        ConfigFactory.parseString(
            "crier.http.interface = 127.0.0.1\n"
                + "crier.http.port = 0\n"
                + "crier.bridge.port = 0\n"
                + "crier.drain.window = 0s\n"
                + "crier.management.interface = 127.0.0.1\n"
                + "crier.management.port = 0\n"
                + "crier.dev.enabled = false\n"
                + "crier.history.store = memory\n"
                + "pekko.remote.artery.canonical { hostname = 127.0.0.1, port = 0 }\n"
                // Nodes of one test cluster share this JVM's CPUs and pauses: a GC or a loaded
                // machine delays every node's heartbeats at once, and with the production
                // timings (2 s + 3 s) keep-majority can down all of them. The failover tests run
                // separate processes with the production timings (ClusterFailoverIT).
                + "pekko.cluster.failure-detector.acceptable-heartbeat-pause = 10s\n"
                + "pekko.cluster.split-brain-resolver.stable-after = 10s\n"
                // A fatal error in a node fails the test with its stack trace instead of ending
                // the JVM that runs every test (surefire: "the forked VM terminated").
                + "pekko.jvm-exit-on-fatal-error = off\n"
                + "crier.auth.jwt.keys = [{ secret = \""
                + SECRET
                + "\" }]\n"
                + extraConfig);
    return CrierConfig.load(overrides);
  }

  public static TestNode start() {
    return new TestNode("", true);
  }

  /** Starts a node with extra HOCON, e.g. {@code "crier.history.max-events = 10"}. */
  public static TestNode start(String hocon) {
    return new TestNode(hocon, true);
  }

  /**
   * Starts a node with extra HOCON and returns once its HTTP and management ports are bound,
   * without waiting for it to be ready (e.g. while it cannot join its seed nodes).
   */
  public static TestNode startUnready(String hocon) {
    return new TestNode(hocon, false);
  }

  private String next() {
    try {
      String line = lines.poll(30, TimeUnit.SECONDS);
      if (line == null) {
        system.terminate();
        throw new IllegalStateException("node did not print 'crier: ready' within 30 s");
      }
      if (line.startsWith("crier: configuration error: ")) {
        throw new IllegalStateException(line);
      }
      return line;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private static int port(String line) {
    return Integer.parseInt(line.substring(line.lastIndexOf(':') + 1));
  }

  public ActorSystem<Void> system() {
    return system;
  }

  public URI http(String pathAndQuery) {
    return URI.create("http://127.0.0.1:" + httpPort + pathAndQuery);
  }

  /**
   * The value of one sample of {@code /metrics}, e.g. {@code crier_history_events}; 0 if absent.
   */
  public double metric(String sample) throws Exception {
    return Http.get(management("/metrics"), null)
        .raw()
        .body()
        .lines()
        .filter(l -> l.startsWith(sample + " "))
        .mapToDouble(l -> Double.parseDouble(l.substring(sample.length() + 1)))
        .sum();
  }

  /** How many members this node sees as Up. */
  public int upMembers() {
    int up = 0;
    for (org.apache.pekko.cluster.Member m :
        org.apache.pekko.cluster.typed.Cluster.get(system).state().getMembers()) {
      if (m.status() == org.apache.pekko.cluster.MemberStatus.up()) {
        up++;
      }
    }
    return up;
  }

  /** This node's cluster address, for others' seed-nodes. */
  public String clusterAddress() {
    return org.apache.pekko.cluster.typed.Cluster.get(system).selfMember().address().toString();
  }

  /** Starts a node that joins the cluster of {@code seed}, with extra HOCON. */
  public static TestNode joining(TestNode seed, String hocon) {
    return new TestNode(
        "pekko.cluster.seed-nodes = [\"" + seed.clusterAddress() + "\"]\n" + hocon, true);
  }

  /** The port of the SP (NNG) bridge listener on 127.0.0.1; -1 before the node is ready. */
  public int bridgePort() {
    return bridgePort;
  }

  public URI management(String path) {
    return URI.create("http://127.0.0.1:" + managementPort + path);
  }

  /** Asks the node to drain ({@code POST /admin/drain} with an admin token); its answer. */
  public Http.Answer drain() throws Exception {
    String admin =
        new TokenMinter(SECRET).mint("ops", List.of(), List.of(), true, Duration.ofMinutes(5));
    return Http.send(
        Http.auth(HttpRequest.newBuilder(management("/admin/drain")), admin)
            .POST(HttpRequest.BodyPublishers.noBody())
            .build());
  }

  public static String token(List<String> subscribe, List<String> publish) {
    return new TokenMinter(SECRET).mint("test", subscribe, publish, false, Duration.ofHours(1));
  }

  /** A token that may subscribe to and publish on every topic. */
  public static String allAccess() {
    return token(List.of("*"), List.of("*"));
  }

  @Override
  public void close() {
    closing = true;
    system.terminate();
    try {
      system.getWhenTerminated().toCompletableFuture().get(30, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new IllegalStateException("node did not stop", e);
    }
  }
}
