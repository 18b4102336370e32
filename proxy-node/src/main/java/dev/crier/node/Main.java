package dev.crier.node;

import dev.crier.node.config.CrierConfig;
import org.apache.pekko.actor.typed.ActorSystem;
import org.slf4j.LoggerFactory;

/** Starts one Crier node with the configuration found at start (see {@link CrierConfig}). */
public final class Main {
  private Main() {}

  public static void main(String[] args) {
    // Initialize logging on this thread before Pekko's threads log concurrently (SLF4J would
    // otherwise buffer and replay those calls, with a warning on stderr).
    LoggerFactory.getLogger(Main.class).debug("starting");
    var config = CrierConfig.load();
    ActorSystem.create(Guardian.create(config, System.out::println), "crier", config);
  }
}
