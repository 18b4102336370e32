package dev.crier.node.support;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;

/**
 * A private PostgreSQL server (Debian's {@code postgresql}, installed by {@code .ci/run}) in a
 * temporary folder on a free loopback port, with trust authentication, for the tests of the shared
 * journal. Started with {@code initdb} and {@code pg_ctl}; run as the {@code postgres} user when
 * the tests run as root, because PostgreSQL refuses to run as root.
 */
public final class Postgres implements AutoCloseable {
  private static final Duration WAIT = Duration.ofSeconds(60);

  private final Path bin;
  private final Path dataDir;
  private final int port;
  private final boolean asPostgresUser;

  private Postgres(Path bin, Path dataDir, int port, boolean asPostgresUser) {
    this.bin = bin;
    this.dataDir = dataDir;
    this.port = port;
    this.asPostgresUser = asPostgresUser;
  }

  /** Starts a new server; skips the calling test, loudly, when PostgreSQL is not installed. */
  public static Postgres start() throws IOException, InterruptedException {
    Optional<Path> bin = binaries();
    if (bin.isEmpty()) {
      System.err.println("SKIPPED: PostgreSQL is not installed (apt-get install postgresql)");
    }
    Assumptions.assumeTrue(
        bin.isPresent(), "PostgreSQL is not installed (apt-get install postgresql)");
    boolean root = "root".equals(System.getProperty("user.name"));
    Path dir = Files.createTempDirectory("crier-pg");
    Path data = dir.resolve("data");
    if (root) {
      run(List.of("chown", "postgres", dir.toString()));
    }
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    Postgres pg = new Postgres(bin.get(), data, port, root);
    pg.pg("initdb", "-D", data.toString(), "-A", "trust", "-U", "crier", "--no-sync");
    pg.resume();
    pg.sql("CREATE DATABASE crier");
    return pg;
  }

  /** HOCON that puts a node's history on this database. */
  public String journalConfig() {
    return "crier.history.store = journal\n"
        + "crier.history.journal { url = \""
        + url()
        + "\", user = "
        + user()
        + " }\n";
  }

  public String url() {
    return "jdbc:postgresql://127.0.0.1:" + port + "/crier";
  }

  public String user() {
    return "crier";
  }

  /** Stops the server, as an outage would; {@link #resume()} starts it on the same data again. */
  public void stop() throws IOException, InterruptedException {
    pg("pg_ctl", "-D", dataDir.toString(), "-m", "fast", "-w", "stop");
  }

  public void resume() throws IOException, InterruptedException {
    Path dir = dataDir.getParent();
    pg(
        "pg_ctl",
        "-D",
        dataDir.toString(),
        "-l",
        dir.resolve("server.log").toString(),
        "-w",
        "-o",
        "-p " + port + " -h 127.0.0.1 -k " + dir + " -c fsync=off -c max_connections=200",
        "start");
  }

  /** A single number from a query against the journal's database. */
  public long count(String sql) throws SQLException {
    try (Connection c = DriverManager.getConnection(url(), user(), "");
        ResultSet rs = c.createStatement().executeQuery(sql)) {
      rs.next();
      return rs.getLong(1);
    }
  }

  private void sql(String statement) throws IOException, InterruptedException {
    try (Connection c =
        DriverManager.getConnection(
            "jdbc:postgresql://127.0.0.1:" + port + "/postgres", user(), "")) {
      c.createStatement().execute(statement);
    } catch (SQLException e) {
      throw new IOException("cannot run [" + statement + "] on the test server", e);
    }
  }

  private void pg(String tool, String... args) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>();
    if (asPostgresUser) {
      command.addAll(List.of("runuser", "-u", "postgres", "--"));
    }
    command.add(bin.resolve(tool).toString());
    command.addAll(List.of(args));
    run(command);
  }

  private static void run(List<String> command) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    if (!p.waitFor(WAIT.toSeconds(), TimeUnit.SECONDS) || p.exitValue() != 0) {
      throw new IOException(String.join(" ", command) + " failed: " + out);
    }
  }

  private static Optional<Path> binaries() throws IOException {
    Path root = Path.of("/usr/lib/postgresql");
    if (!Files.isDirectory(root)) {
      return Optional.empty();
    }
    try (Stream<Path> versions = Files.list(root)) {
      return versions
          .map(v -> v.resolve("bin"))
          .filter(b -> Files.isExecutable(b.resolve("pg_ctl")))
          .max(Comparator.naturalOrder());
    }
  }

  @Override
  public void close() throws IOException, InterruptedException {
    try {
      stop();
    } catch (IOException alreadyStopped) {
      // stopped by the test itself
    }
    run(List.of("rm", "-rf", dataDir.getParent().toString()));
  }
}
