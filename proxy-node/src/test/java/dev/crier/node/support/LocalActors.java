package dev.crier.node.support;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigValueFactory;

/**
 * The node's Pekko configuration for a test kit of actors on their own: no cluster, no remoting.
 */
public final class LocalActors {
  private LocalActors() {}

  public static Config config() {
    return ConfigFactory.parseResources("crier-node.conf")
        .withFallback(ConfigFactory.load())
        .withValue("pekko.actor.provider", ConfigValueFactory.fromAnyRef("local"))
        .resolve();
  }
}
