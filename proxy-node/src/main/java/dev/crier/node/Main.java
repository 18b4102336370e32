package dev.crier.node;

import ch.qos.logback.classic.LoggerContext;
import dev.crier.node.config.CrierConfig;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.pekko.actor.typed.ActorSystem;
import org.slf4j.LoggerFactory;

/** Starts one Crier node with the configuration found at start (see {@link CrierConfig}). */
public final class Main {
  private static final String LOGBACK_CONFIG = "logback.configurationFile";

  /** The exit status of a node whose configuration cannot run (sysexits' EX_CONFIG). */
  static final int EXIT_CONFIGURATION_ERROR = 78;

  static final String COMMON_POOL_PARALLELISM =
      "java.util.concurrent.ForkJoinPool.common.parallelism";

  private Main() {}

  public static void main(String[] args) {
    boolean pooledCallbacks = poolCallbacks();
    String format = System.getProperty("CRIER_LOG_FORMAT", System.getenv("CRIER_LOG_FORMAT"));
    if ("json".equalsIgnoreCase(format) && System.getProperty(LOGBACK_CONFIG) == null) {
      System.setProperty(LOGBACK_CONFIG, "logback-json.xml");
    }
    // Initialize logging on this thread before Pekko's threads log concurrently (SLF4J would
    // otherwise buffer and replay those calls, with a warning on stderr).
    LoggerFactory.getLogger(Main.class).debug("starting");
    if (!pooledCallbacks) {
      LoggerFactory.getLogger(Main.class)
          .warn(
              "callbacks of asynchronous results start a thread each; set -D{}=2",
              COMMON_POOL_PARALLELISM);
    }
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

  /**
   * Gives asynchronous callbacks a pool of threads instead of a new thread each. Pekko's
   * CompletionStages (asks to topic owners, a request body's {@code toStrict}, {@code pipeToSelf}
   * in hubs) come from Scala's converters, which run every callback asynchronously, on
   * CompletableFuture's default executor: {@code ForkJoinPool.commonPool()}, but only when that
   * pool has at least 2 threads. It gets one thread fewer than the CPUs, so on 1 or 2 CPUs (small
   * VMs, containers with a CPU limit) CompletableFuture starts a new thread for every callback
   * instead: two per publish, one per subscriber's history read. Must run before anything uses
   * CompletableFuture, which reads the pool size once; an explicit {@code -D} setting is kept.
   *
   * @return true when callbacks run on the common pool
   */
  static boolean poolCallbacks() {
    if (System.getProperty(COMMON_POOL_PARALLELISM) == null
        && Runtime.getRuntime().availableProcessors() <= 2) {
      System.setProperty(COMMON_POOL_PARALLELISM, "2");
    }
    return new CompletableFuture<Void>().defaultExecutor() instanceof ForkJoinPool;
  }
}
