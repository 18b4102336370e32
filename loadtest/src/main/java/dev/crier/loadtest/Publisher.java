package dev.crier.loadtest;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.nio.NioEventLoopGroup;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Publishes at a set rate over all topics, round robin, each event carrying its topic's sequence
 * number and its send time (see {@link PublishRequest}), and times every answer (send → answer)
 * into {@link Stats#publishAnswer}. How requests are paced is the run's {@link PublishMode}:
 *
 * <ul>
 *   <li>{@code wait}: events due in the same millisecond go out together, one such batch at a time,
 *       so that each topic's events reach the server in order; if the server falls behind, batches
 *       grow. Crier takes a batch as one {@code POST /publish}, Pushpin as one publish call with
 *       many items, Nchan as one POST per event (sequential per topic, topics in parallel).
 *   <li>{@code pipelined}: topic {@code t} is always sent over connection {@code t % connections}
 *       (a {@link PublishConnection}), which writes events as they fall due without waiting for
 *       answers, up to its bound; so each topic's events stay in order. While a connection holds
 *       {@link PublishRequest#MAX_BATCH} events it could not write yet, no more are made: the rate
 *       achieved then falls short of the rate set, and shows it.
 * </ul>
 */
final class Publisher implements AutoCloseable {
  private final Settings settings;
  private final Stats stats;
  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
  private final NngPush push;
  private final EventLoopGroup loops;
  private final List<PublishConnection> connections = new ArrayList<>();
  private final long[] seq;
  private final String padding;
  private int nextTopic;

  Publisher(Settings settings, Stats stats) throws java.io.IOException {
    this.settings = settings;
    this.stats = stats;
    this.push = settings.pushTo() == null ? null : new NngPush(settings.pushTo());
    this.seq = new long[settings.topics()];
    this.padding = "x".repeat(settings.payload());
    if (settings.publishMode() == PublishMode.PIPELINED) {
      // one thread writes and reads every publishing connection: a few, at most a few thousand
      // requests a second
      loops = new NioEventLoopGroup(1);
      for (int c = 0; c < settings.publishConnections(); c++) {
        connections.add(new PublishConnection(settings, stats, loops.next()));
      }
    } else {
      loops = null;
    }
  }

  /** Publishes at {@code rate} for {@code duration}; returns when the last request is answered. */
  void run(int rate, Duration duration) throws Exception {
    if (connections.isEmpty()) {
      runWaiting(rate, duration);
    } else {
      runPipelined(rate, duration);
    }
  }

  private void runWaiting(int rate, Duration duration) throws Exception {
    long start = System.nanoTime();
    long end = start + duration.toNanos();
    long sent = 0;
    CompletableFuture<Void> inFlight = CompletableFuture.completedFuture(null);
    while (System.nanoTime() < end) {
      long due =
          Math.min(
              sent + PublishRequest.MAX_BATCH, (System.nanoTime() - start) * rate / 1_000_000_000L);
      if (due > sent && inFlight.isDone()) {
        List<PublishRequest.Event> batch = new ArrayList<>((int) (due - sent));
        for (long i = sent; i < due; i++) {
          batch.add(nextEvent());
        }
        sent = due;
        inFlight = send(batch);
      } else {
        TimeUnit.MICROSECONDS.sleep(200);
      }
    }
    inFlight.get(60, TimeUnit.SECONDS);
  }

  private void runPipelined(int rate, Duration duration) throws Exception {
    long start = System.nanoTime();
    long end = start + duration.toNanos();
    long made = 0;
    int count = connections.size();
    while (System.nanoTime() < end) {
      long due = (System.nanoTime() - start) * rate / 1_000_000_000L;
      if (due > made) {
        List<List<PublishRequest.Event>> byConnection = new ArrayList<>(count);
        for (int c = 0; c < count; c++) {
          byConnection.add(new ArrayList<>());
        }
        for (; made < due; made++) {
          int c = nextTopic % count;
          if (connections.get(c).waiting() + byConnection.get(c).size()
              >= PublishRequest.MAX_BATCH) {
            break;
          }
          byConnection.get(c).add(nextEvent());
        }
        for (int c = 0; c < count; c++) {
          if (!byConnection.get(c).isEmpty()) {
            connections.get(c).offer(byConnection.get(c));
          }
        }
      }
      TimeUnit.MICROSECONDS.sleep(200);
    }
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (!connections.stream().allMatch(PublishConnection::idle)) {
      if (System.nanoTime() > deadline) {
        throw new TimeoutException("publish answers still outstanding after 60 s");
      }
      TimeUnit.MILLISECONDS.sleep(1);
    }
  }

  private PublishRequest.Event nextEvent() {
    PublishRequest.Event e = new PublishRequest.Event(settings.topic(nextTopic), ++seq[nextTopic]);
    nextTopic = (nextTopic + 1) % settings.topics();
    return e;
  }

  private CompletableFuture<Void> send(List<PublishRequest.Event> batch) {
    if (push != null) {
      return pushAll(batch);
    }
    List<PublishRequest> requests = PublishRequest.of(settings.server(), batch, padding);
    return settings.server().onePerRequest() ? onePerEvent(requests) : post(requests.get(0));
  }

  @Override
  public void close() throws java.io.IOException {
    if (push != null) {
      push.close();
    }
    connections.forEach(PublishConnection::close);
    if (loops != null) {
      loops.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
    }
  }

  /** push0 has no answers, so nothing is timed. */
  private CompletableFuture<Void> pushAll(List<PublishRequest.Event> batch) {
    try {
      String stamp = " " + Clock.micros() + " " + padding;
      for (PublishRequest.Event e : batch) {
        push.push(e.topic(), e.seq() + stamp);
      }
      push.flush();
      stats.published.add(batch.size());
    } catch (java.io.IOException e) {
      stats.publishFailures.add(batch.size());
      stats.error("push: " + e.getClass().getSimpleName());
    }
    return CompletableFuture.completedFuture(null);
  }

  /**
   * One POST per event (Nchan, Crier's channels): each topic's one after another, topics in
   * parallel.
   */
  private CompletableFuture<Void> onePerEvent(List<PublishRequest> requests) {
    Map<String, List<PublishRequest>> byTopic = new LinkedHashMap<>();
    for (PublishRequest r : requests) {
      byTopic.computeIfAbsent(r.path(), t -> new ArrayList<>()).add(r);
    }
    List<CompletableFuture<Void>> chains = new ArrayList<>();
    for (List<PublishRequest> topic : byTopic.values()) {
      CompletableFuture<Void> chain = CompletableFuture.completedFuture(null);
      for (PublishRequest r : topic) {
        chain = chain.thenCompose(done -> post(r));
      }
      chains.add(chain);
    }
    return CompletableFuture.allOf(chains.toArray(CompletableFuture[]::new));
  }

  private CompletableFuture<Void> post(PublishRequest r) {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create(settings.publishTo() + r.path()))
            .POST(HttpRequest.BodyPublishers.ofString(r.body()));
    if (r.contentType() != null) {
      request.header("Content-Type", r.contentType());
    }
    if (!settings.publisherToken().isEmpty()) {
      request.header("Authorization", "Bearer " + settings.publisherToken());
    }
    long sent = System.nanoTime();
    return http.sendAsync(request.build(), HttpResponse.BodyHandlers.discarding())
        .handle(
            (response, failure) -> {
              if (response != null) {
                stats.publishAnswer.recordValue((System.nanoTime() - sent) / 1000);
              }
              if (failure == null && r.accepted(response.statusCode())) {
                stats.published.add(r.events());
              } else {
                stats.publishFailures.add(r.events());
                stats.error(
                    failure == null
                        ? "publish status " + response.statusCode()
                        : "publish: " + failure.getClass().getSimpleName());
              }
              return null;
            });
  }
}
