package dev.crier.node;

import ch.qos.logback.classic.LoggerContext;
import dev.crier.node.config.CrierConfig;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.pekko.actor.typed.ActorSystem;
import org.slf4j.LoggerFactory;

/** Starts one Crier node with the configuration found at start (see {@link CrierConfig}). */
public final class Main {
  private static final String LOGBACK_CONFIG = "logback.configurationFile";

  /** The exit status of a node whose configuration cannot run (sysexits' EX_CONFIG). */
  static final int EXIT_CONFIGURATION_ERROR = 78;

  private Main() {}

  public static void main(String[] args) {
    String format = System.getProperty("CRIER_LOG_FORMAT", System.getenv("CRIER_LOG_FORMAT"));
    if ("json".equalsIgnoreCase(format) && System.getProperty(LOGBACK_CONFIG) == null) {
      System.setProperty(LOGBACK_CONFIG, "logback-json.xml");
    }
    // Initialize logging on this thread before Pekko's threads log concurrently (SLF4J would
    // otherwise buffer and replay those calls, with a warning on stderr).
    LoggerFactory.getLogger(Main.class).debug("starting");
    var config = CrierConfig.load();
    AtomicBoolean refused = new AtomicBoolean();
    ActorSystem<Void> system =
        ActorSystem.create(
            Guardian.create(
                config,
                System.out::println,
                reason -> {
                  refused.set(true);
                  System.err.println(reason);
                }),
            "crier",
            config);
    // A drain started by SIGTERM runs in Pekko's JVM shutdown hook, and the JVM would then exit
    // with 143. A drain that completed is a clean stop: say so with 0, as supervisors expect; a
    // configuration that could not run is not, whatever the JVM would say.
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  try {
                    system.getWhenTerminated().toCompletableFuture().get(2, TimeUnit.MINUTES);
                    if (LoggerFactory.getILoggerFactory() instanceof LoggerContext logging) {
                      logging.stop();
                    }
                    System.out.flush();
                    System.err.flush();
                    Runtime.getRuntime().halt(refused.get() ? EXIT_CONFIGURATION_ERROR : 0);
                  } catch (Exception stillRunning) {
                    // leave the exit status to the JVM
                  }
                },
                "crier-exit-status"));
  }
}
