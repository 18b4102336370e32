package dev.crier.node;

import dev.crier.node.config.CrierConfig;
import org.apache.pekko.actor.typed.ActorSystem;

/** Starts one Crier node with the configuration found at start (see {@link CrierConfig}). */
public final class Main {
  private Main() {}

  public static void main(String[] args) {
    var config = CrierConfig.load();
    ActorSystem.create(Guardian.create(config, System.out::println), "crier", config);
  }
}
