package dev.crier.node.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.crier.node.topic.HistoryStoreSettings;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * Loads a node's configuration: system properties, then {@code application.conf} (or {@code
 * -Dconfig.file}), then Crier's Pekko defaults ({@code crier-node.conf}), then every library's
 * {@code reference.conf}. The {@code crier.*} keys of the contract are then copied onto the Pekko
 * keys they stand for.
 */
public final class CrierConfig {
  /** Comma-separated seed nodes, e.g. {@code pekko://crier@10.0.0.1:17355,pekko://crier@…}. */
  public static final String SEED_NODES_ENV = "CRIER_SEED_NODES";

  private CrierConfig() {}

  /** The configuration of a node started from the command line. */
  public static Config load() {
    return load(ConfigFactory.empty());
  }

  /** The same, with {@code overrides} above everything else (tests, embedded nodes). */
  public static Config load(Config overrides) {
    ConfigFactory.invalidateCaches();
    Config merged =
        overrides
            .withFallback(ConfigFactory.defaultOverrides())
            .withFallback(ConfigFactory.defaultApplication())
            .withFallback(ConfigFactory.parseResources("crier-node.conf"))
            .withFallback(ConfigFactory.defaultReference())
            .resolve();
    return derived(merged)
        .withFallback(HistoryStoreSettings.create(merged).pekkoConfig())
        .withFallback(merged);
  }

  private static Config derived(Config c) {
    Map<String, Object> keys = new HashMap<>();
    keys.put("pekko.management.http.hostname", c.getString("crier.management.interface"));
    keys.put("pekko.management.http.port", c.getInt("crier.management.port"));
    String seeds = System.getenv(SEED_NODES_ENV);
    if (seeds != null && !seeds.isBlank()) {
      keys.put(
          "pekko.cluster.seed-nodes",
          Arrays.stream(seeds.split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList());
    }
    return ConfigFactory.parseMap(keys);
  }
}
