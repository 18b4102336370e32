package dev.crier.node.topic;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import org.apache.pekko.actor.typed.BackoffSupervisorStrategy;
import org.apache.pekko.actor.typed.SupervisorStrategy;
import org.apache.pekko.persistence.typed.javadsl.RetentionCriteria;

/**
 * Where topic owners keep their history ({@code crier.history.store} and {@code
 * crier.history.journal}): in memory only, or in a JDBC journal — an embedded H2 file under {@code
 * crier.data-dir} unless a URL names another database (PostgreSQL for a cluster).
 *
 * @param durable true for the journal, false for memory
 * @param url the journal's JDBC URL (the embedded H2 file when none is configured)
 * @param user database user ("" for none)
 * @param password database password ("" for none)
 * @param poolSize connections the journal keeps open
 * @param connectTimeoutMillis how long a write waits for a connection before it fails
 * @param snapshotEvery events between two snapshots of an owner (older events are then deleted)
 * @param passivateAfter with the journal, an owner idle this long (no subscribers elsewhere,
 *     nothing scheduled) is stopped and recovered from the journal when next needed; zero for never
 * @param handOffKept in memory mode, how long a handed-off owner state waits to be claimed
 */
public record HistoryStoreSettings(
    boolean durable,
    String url,
    String user,
    String password,
    int poolSize,
    long connectTimeoutMillis,
    int snapshotEvery,
    Duration passivateAfter,
    Duration handOffKept) {

  /** The journal plugin of memory mode: it keeps nothing, so a new owner starts empty. */
  public static final String MEMORY_JOURNAL = "crier-memory-journal";

  /** The snapshot store of memory mode: hand-offs between incarnations, kept in memory. */
  public static final String MEMORY_SNAPSHOTS = "crier-memory-snapshot-store";

  private static final String SHARED_DB = "crier";

  /**
   * How an entity kept in the store (a topic owner, a channel) restarts when the store fails: with
   * backoff, recovering what was stored.
   */
  public static final BackoffSupervisorStrategy RESTART_ON_FAILURE =
      SupervisorStrategy.restartWithBackoff(Duration.ofMillis(200), Duration.ofSeconds(5), 0.2);

  public HistoryStoreSettings {
    if (durable && !url.startsWith("jdbc:h2:") && !url.startsWith("jdbc:postgresql:")) {
      throw new IllegalArgumentException(
          "crier.history.journal.url must be a jdbc:postgresql: or jdbc:h2: URL, was " + url);
    }
    if (poolSize < 1) {
      throw new IllegalArgumentException("crier.history.journal.pool-size must be >= 1");
    }
    if (passivateAfter.isNegative()) {
      throw new IllegalArgumentException("crier.history.passivate-after must not be negative");
    }
    if (snapshotEvery < 1) {
      throw new IllegalArgumentException("crier.history.snapshot-every must be >= 1");
    }
  }

  /** Reads {@code crier.history} and {@code crier.data-dir} from the root configuration. */
  public static HistoryStoreSettings create(Config root) {
    Config c = root.getConfig("crier.history");
    String store = c.getString("store").toLowerCase(Locale.ROOT);
    if (!store.equals("memory") && !store.equals("journal")) {
      throw new IllegalArgumentException(
          "crier.history.store must be memory or journal, was " + c.getString("store"));
    }
    Config j = c.getConfig("journal");
    String url = j.getString("url");
    if (url.isBlank()) {
      Path file = Path.of(root.getString("crier.data-dir")).toAbsolutePath().resolve("journal");
      // WRITE_DELAY=0: a commit reaches the file before the publish is answered.
      url = "jdbc:h2:file:" + file + ";WRITE_DELAY=0";
    }
    return new HistoryStoreSettings(
        store.equals("journal"),
        url,
        j.getString("user"),
        j.getString("password"),
        j.getInt("pool-size"),
        j.getDuration("connect-timeout").toMillis(),
        c.getInt("snapshot-every"),
        c.getDuration("passivate-after"),
        c.getDuration("hand-off-kept"));
  }

  /** True when idle owners are stopped (they recover from the journal). */
  public boolean passivates() {
    return durable && !passivateAfter.isZero();
  }

  /**
   * With the journal: a snapshot every {@code snapshotEvery} events, and the events before it
   * deleted, so that an entity's journal stays bounded; in memory, nothing.
   */
  public RetentionCriteria retention() {
    return durable
        ? RetentionCriteria.snapshotEvery(snapshotEvery, 1).withDeleteEventsOnSnapshot()
        : RetentionCriteria.disabled();
  }

  /** True for the embedded H2 file, which only one node can use. */
  public boolean embedded() {
    return url.startsWith("jdbc:h2:");
  }

  public String journalPluginId() {
    return durable ? "jdbc-journal" : MEMORY_JOURNAL;
  }

  public String snapshotPluginId() {
    return durable ? "jdbc-snapshot-store" : MEMORY_SNAPSHOTS;
  }

  /** The pekko-persistence-jdbc keys these settings stand for. */
  public Config pekkoConfig() {
    if (!durable) {
      return ConfigFactory.empty();
    }
    String base = "pekko-persistence-jdbc.shared-databases." + SHARED_DB;
    Map<String, Object> keys = new HashMap<>();
    keys.put(
        base + ".profile", embedded() ? "slick.jdbc.H2Profile$" : "slick.jdbc.PostgresProfile$");
    keys.put(base + ".db.url", url);
    keys.put(base + ".db.user", user);
    keys.put(base + ".db.password", password);
    keys.put(base + ".db.driver", embedded() ? "org.h2.Driver" : "org.postgresql.Driver");
    keys.put(base + ".db.numThreads", poolSize);
    keys.put(base + ".db.maxConnections", poolSize);
    keys.put(base + ".db.minConnections", 1);
    keys.put(base + ".db.connectionTimeout", Math.max(1000, connectTimeoutMillis));
    keys.put("jdbc-journal.use-shared-db", SHARED_DB);
    keys.put("jdbc-snapshot-store.use-shared-db", SHARED_DB);
    keys.put("jdbc-read-journal.use-shared-db", SHARED_DB);
    return ConfigFactory.parseMap(keys);
  }
}
