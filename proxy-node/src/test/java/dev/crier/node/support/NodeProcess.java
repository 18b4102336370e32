package dev.crier.node.support;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * The packaged node ({@code target/crier-node.jar}) as a separate {@code java} process, started
 * with the given environment and system properties; reads the lines it prints up to {@code crier:
 * ready}.
 */
public final class NodeProcess implements AutoCloseable {
  private static final Duration WAIT = Duration.ofSeconds(60);

  private final Process process;
  private final Map<String, String> printed = new HashMap<>();
  private final List<String> order = new ArrayList<>();

  private NodeProcess(Process process) throws InterruptedException {
    this.process = process;
    BlockingQueue<String> lines = new LinkedBlockingQueue<>();
    Thread reader =
        new Thread(
            () -> {
              try (BufferedReader out =
                  new BufferedReader(
                      new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = out.readLine()) != null; ) {
                  lines.add(line);
                }
              } catch (IOException ignored) {
                // the process ended
              }
            });
    reader.setDaemon(true);
    reader.start();
    for (String line = lines.poll(WAIT.toSeconds(), TimeUnit.SECONDS);
        !"crier: ready".equals(line);
        line = lines.poll(WAIT.toSeconds(), TimeUnit.SECONDS)) {
      if (line == null) {
        process.destroyForcibly();
        throw new IllegalStateException("node did not print 'crier: ready' within " + WAIT);
      }
      int space = line.lastIndexOf(' ');
      printed.put(line.substring(0, space), line.substring(space + 1));
      order.add(line.substring(0, space));
    }
  }

  /**
   * Starts the jar on loopback with free HTTP and management ports and waits until it is ready.
   *
   * @param environment extra environment variables ({@code CRIER_SEED_NODES}, …)
   * @param properties extra {@code -D} system properties, {@code name=value}
   */
  public static NodeProcess start(Map<String, String> environment, List<String> properties)
      throws IOException, InterruptedException {
    Path jar = Path.of(System.getProperty("crier.jar", "target/crier-node.jar"));
    if (!Files.exists(jar)) {
      throw new IllegalStateException("build the jar first: " + jar);
    }
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-Xmx512m");
    command.add("-Dcrier.http.interface=127.0.0.1");
    command.add("-Dcrier.management.interface=127.0.0.1");
    command.add("-Dcrier.management.port=0");
    command.add("-Dcrier.bridge.port=0");
    command.add("-Dpekko.remote.artery.canonical.hostname=127.0.0.1");
    properties.forEach(p -> command.add("-D" + p));
    command.add("-jar");
    command.add(jar.toString());
    // The node's log, for reading after a failed test: target/node-logs/<start time>.log
    Path logs = Files.createDirectories(Path.of("target", "node-logs"));
    ProcessBuilder builder =
        new ProcessBuilder(command)
            .redirectError(logs.resolve(System.nanoTime() + ".log").toFile());
    builder.environment().put("CRIER_HTTP_PORT", "0");
    builder.environment().put("CRIER_DATA_DIR", Files.createTempDirectory("crier-data").toString());
    builder.environment().putAll(environment);
    return new NodeProcess(builder.start());
  }

  /**
   * Starts {@code size} nodes in dev mode with one secret that form a cluster from the first one's
   * address (ids {@code node-1} …), each also with {@code environment} and {@code properties};
   * stops those already started if one fails to start.
   */
  public static List<NodeProcess> cluster(
      int size, String devSecret, Map<String, String> environment, List<String> properties)
      throws IOException, InterruptedException {
    int[] remote = new int[size];
    for (int i = 0; i < size; i++) {
      remote[i] = freePort();
    }
    List<NodeProcess> nodes = new ArrayList<>();
    try {
      for (int i = 0; i < size; i++) {
        Map<String, String> env = new HashMap<>(environment);
        env.put("CRIER_DEV_MODE", "true");
        env.put("CRIER_DEV_SECRET", devSecret);
        env.put("CRIER_NODE_ID", "node-" + (i + 1));
        env.put("CRIER_REMOTE_PORT", Integer.toString(remote[i]));
        env.put("CRIER_SEED_NODES", "pekko://crier@127.0.0.1:" + remote[0]);
        nodes.add(start(env, properties));
      }
      return nodes;
    } catch (IOException | InterruptedException | RuntimeException e) {
      nodes.forEach(NodeProcess::close);
      throw e;
    }
  }

  /** A loopback port that was free a moment ago. */
  public static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }

  /** What the node printed before {@code crier: ready}: line prefix → last word. */
  public String printed(String prefix) {
    return printed.get(prefix);
  }

  /** The prefixes of the printed lines, in order. */
  public List<String> order() {
    return order;
  }

  public URI http(String pathAndQuery) {
    return URI.create("http://" + printed("crier: http listening on") + pathAndQuery);
  }

  public URI management(String path) {
    return URI.create("http://" + printed("crier: management listening on") + path);
  }

  public Process process() {
    return process;
  }

  @Override
  public void close() {
    process.destroyForcibly();
    try {
      process.waitFor(30, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
