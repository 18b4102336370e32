package dev.crier.loadtest;

import java.net.URI;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * One run of the load generator, from the command line ({@code --name value} pairs).
 *
 * @param target base URL of the server under test, e.g. {@code http://127.0.0.1:8080}; events are
 *     published there
 * @param server which kind of server the target is
 * @param publishTo base URL events are published to (Pushpin's publish API is on its own port;
 *     default: the target)
 * @param pushTo when set ({@code tcp://host:port}, Crier only), events are pushed into the node's
 *     NNG bridge instead of published over HTTP
 * @param subscribeTo base URLs subscribers connect to, round robin (default: the target alone), so
 *     that a cluster can be published to on one node and read on others
 * @param subscriberToken bearer token of subscribers (empty for none)
 * @param publisherToken bearer token of the publisher (empty for none)
 * @param topics topics; subscriber i follows topic {@code i % topics}
 * @param subscribers SSE connections to open (in a worker process: its share of them)
 * @param firstSubscriber in a worker process, the run-wide index of its first subscriber (0
 *     otherwise); a subscriber's index picks its topic, server and source address
 * @param processes processes the subscribers are spread over: above 1, this process starts that
 *     many {@link Worker}s, each with its share of the subscribers, and merges what they measure
 * @param sourceAddresses loopback source addresses to spread connections over (127.0.0.2…); with
 *     one, no source is bound and the kernel picks address and port
 * @param connectRate new connections per second
 * @param maxPending connections opened but not yet answered, at most
 * @param rates events published per second, over all topics: one rate, or steps tried in turn until
 *     the server no longer keeps up
 * @param duration how long to publish at each rate
 * @param publishMode whether the publisher waits for each answer before sending more, or sends at
 *     the rate regardless over persistent connections ({@link PublishMode})
 * @param publishConnections in the pipelined mode, the connections topics are spread over (topic
 *     {@code t} on connection {@code t % publishConnections})
 * @param publishInFlight in the pipelined mode, requests each connection may have unanswered (1 for
 *     Pushpin, whose publish API does not read pipelined requests)
 * @param payload bytes of padding in each event
 * @param hold when positive, the idle scenario: open the connections, publish nothing, hold them
 *     this long, and measure the server's memory
 * @param webSocket whether subscribers hold WebSockets ({@code --transport ws}) rather than SSE
 *     streams
 * @param serverPids process ids of the servers, for their memory (empty: not measured); several
 *     when subscribers connect to several servers, in the order of {@code subscribeTo}
 */
public record Settings(
    URI target,
    Server server,
    URI publishTo,
    URI pushTo,
    List<URI> subscribeTo,
    String topicPrefix,
    String subscriberToken,
    String publisherToken,
    int topics,
    int subscribers,
    int firstSubscriber,
    int processes,
    int sourceAddresses,
    int connectRate,
    int maxPending,
    List<Integer> rates,
    Duration duration,
    PublishMode publishMode,
    int publishConnections,
    int publishInFlight,
    int payload,
    Duration hold,
    boolean webSocket,
    List<Long> serverPids,
    String results) {

  static final String USAGE =
      "usage: crier-loadtest --target http://127.0.0.1:8080 [--server crier|crier-channels|nchan|pushpin]\n"
          + "  [--publish-to URL | --push-to tcp://HOST:PORT] [--subscribe-to URL,URL...]\n"
          + "  [--sub-token T] [--pub-token T]\n"
          + "  [--topics 1] [--subscribers 100] [--processes 1] [--sources 1]\n"
          + "  [--connect-rate 1000] [--max-pending 256]\n"
          + "  [--rate 100 | --rates 100,200,400] [--duration 10] [--payload 64]\n"
          + "  [--publish wait|pipelined] [--publish-connections 1] [--publish-in-flight 64]\n"
          + "  [--transport sse|ws]\n"
          + "  [--hold SECONDS] [--server-pid PID,PID...] [--topic-prefix load/] [--results FILE]";

  public static Settings parse(String[] args) {
    Map<String, String> a = new HashMap<>();
    for (int i = 0; i < args.length; i++) {
      if (!args[i].startsWith("--") || i + 1 >= args.length) {
        throw new IllegalArgumentException("expected --name value pairs\n" + USAGE);
      }
      a.put(args[i].substring(2), args[++i]);
    }
    if (!a.containsKey("target")) {
      throw new IllegalArgumentException("--target is required\n" + USAGE);
    }
    URI target = URI.create(a.get("target"));
    List<URI> subscribeTo =
        a.containsKey("subscribe-to")
            ? Arrays.stream(a.get("subscribe-to").split(",")).map(URI::create).toList()
            : List.of(target);
    List<Long> serverPids =
        a.getOrDefault("server-pid", "").isEmpty()
            ? List.of()
            : Arrays.stream(a.get("server-pid").split(",")).map(Long::parseLong).toList();
    if (serverPids.size() > 1 && serverPids.size() != subscribeTo.size()) {
      throw new IllegalArgumentException(
          "--server-pid lists one pid per --subscribe-to URL, in the same order");
    }
    int subscribers = positive(a, "subscribers", 100);
    int processes = positive(a, "processes", 1);
    if (processes > subscribers) {
      throw new IllegalArgumentException("--processes must not exceed --subscribers");
    }
    if (processes > 1 && "crier-channels".equals(a.get("server"))) {
      // Each process would create channels of its own for the same topics.
      throw new IllegalArgumentException("--server crier-channels runs in one process");
    }
    PublishMode publishMode = PublishMode.parse(a.getOrDefault("publish", "wait"));
    int topics = positive(a, "topics", 1);
    int publishConnections = positive(a, "publish-connections", 1);
    if (publishMode == PublishMode.PIPELINED && a.containsKey("push-to")) {
      throw new IllegalArgumentException(
          "--publish pipelined needs HTTP publishing, not --push-to");
    }
    if (publishConnections > topics) {
      throw new IllegalArgumentException("--publish-connections must not exceed --topics");
    }
    return new Settings(
        target,
        Server.parse(a.getOrDefault("server", "crier")),
        URI.create(a.getOrDefault("publish-to", target.toString())),
        a.containsKey("push-to") ? URI.create(a.get("push-to")) : null,
        subscribeTo,
        a.getOrDefault("topic-prefix", "load/" + Long.toString(System.nanoTime(), 36) + "/"),
        a.getOrDefault("sub-token", ""),
        a.getOrDefault("pub-token", ""),
        topics,
        subscribers,
        Integer.parseInt(a.getOrDefault("first-subscriber", "0")),
        processes,
        positive(a, "sources", 1),
        positive(a, "connect-rate", 1000),
        positive(a, "max-pending", 256),
        a.containsKey("rates")
            ? Arrays.stream(a.get("rates").split(",")).map(Settings::positive).toList()
            : List.of(positive(a, "rate", 100)),
        Duration.ofSeconds(positive(a, "duration", 10)),
        publishMode,
        publishConnections,
        positive(a, "publish-in-flight", 64),
        Integer.parseInt(a.getOrDefault("payload", "64")),
        Duration.ofSeconds(Integer.parseInt(a.getOrDefault("hold", "0"))),
        webSocket(a.getOrDefault("transport", "sse")),
        serverPids,
        a.getOrDefault("results", ""));
  }

  private static boolean webSocket(String transport) {
    return switch (transport) {
      case "sse" -> false;
      case "ws" -> true;
      default ->
          throw new IllegalArgumentException("--transport must be sse or ws, was " + transport);
    };
  }

  private static int positive(String rate) {
    int value = Integer.parseInt(rate.trim());
    if (value < 1) {
      throw new IllegalArgumentException("--rates must all be >= 1");
    }
    return value;
  }

  /** How the results name this run: the server, and how events were published to it. */
  String label() {
    return server.label() + (pushTo == null ? "" : "-nng") + (webSocket ? "-ws" : "");
  }

  /** Whether several rates are tried in turn. */
  boolean stepping() {
    return rates.size() > 1;
  }

  private static int positive(Map<String, String> a, String name, int otherwise) {
    int value = Integer.parseInt(a.getOrDefault(name, Integer.toString(otherwise)));
    if (value < 1) {
      throw new IllegalArgumentException("--" + name + " must be >= 1");
    }
    return value;
  }

  String topic(int i) {
    return topicPrefix + i;
  }

  /** How many of the run's subscribers connect to {@code subscribeTo.get(server)}. */
  int subscribersOf(int server) {
    int servers = subscribeTo.size();
    return subscribers / servers + (server < subscribers % servers ? 1 : 0);
  }

  /** The run-wide index of worker {@code w}'s first subscriber; {@code w == processes} ends. */
  int firstSubscriberOf(int w) {
    return (int) ((long) subscribers * w / processes);
  }

  /**
   * The command line of worker {@code w}: what its subscribers need, with its share of the
   * subscribers, of the connect rate and of the pending connections, so that together the workers
   * open connections as one process would.
   */
  List<String> workerArgs(int w) {
    int first = firstSubscriberOf(w);
    return List.of(
        "--target", target.toString(),
        "--server", server.label(),
        "--transport", webSocket ? "ws" : "sse",
        "--subscribe-to", String.join(",", subscribeTo.stream().map(URI::toString).toList()),
        "--topic-prefix", topicPrefix,
        "--sub-token", subscriberToken,
        "--topics", Integer.toString(topics),
        "--subscribers", Integer.toString(firstSubscriberOf(w + 1) - first),
        "--first-subscriber", Integer.toString(first),
        "--sources", Integer.toString(sourceAddresses),
        "--connect-rate", Integer.toString(Math.max(1, connectRate / processes)),
        "--max-pending", Integer.toString(Math.max(1, maxPending / processes)));
  }
}
