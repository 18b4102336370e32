package dev.crier.loadtest;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Publishes at a set rate over all topics, round robin, each event carrying its topic's sequence
 * number and its send time ({@code "<seq> <epoch-micros> <padding>"}). Events due in the same
 * millisecond go out as one {@code POST /publish} batch, and one batch at a time, so that each
 * topic's events reach the server in order; if the server falls behind, batches grow.
 */
final class Publisher {
  /** The server's default {@code crier.publish.max-batch-events}. */
  private static final int MAX_BATCH = 1000;

  private final Settings settings;
  private final Stats stats;
  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
  private final long[] seq;
  private final String padding;

  Publisher(Settings settings, Stats stats) {
    this.settings = settings;
    this.stats = stats;
    this.seq = new long[settings.topics()];
    this.padding = "x".repeat(settings.payload());
  }

  /** Publishes for the configured duration; returns when the last batch is answered. */
  void run() throws Exception {
    long start = System.nanoTime();
    long end = start + settings.duration().toNanos();
    long sent = 0;
    int topic = 0;
    CompletableFuture<Void> inFlight = CompletableFuture.completedFuture(null);
    while (System.nanoTime() < end) {
      long due =
          Math.min(
              sent + MAX_BATCH, (System.nanoTime() - start) * settings.rate() / 1_000_000_000L);
      if (due > sent && inFlight.isDone()) {
        StringBuilder batch = new StringBuilder("[");
        long micros = Clock.micros();
        for (long i = sent; i < due; i++) {
          if (i > sent) {
            batch.append(',');
          }
          batch
              .append("{\"topic\":\"")
              .append(settings.topic(topic))
              .append("\",\"data\":\"")
              .append(++seq[topic])
              .append(' ')
              .append(micros)
              .append(' ')
              .append(padding)
              .append("\"}");
          topic = (topic + 1) % settings.topics();
        }
        long count = due - sent;
        sent = due;
        inFlight = post(batch.append(']').toString(), count);
      } else {
        TimeUnit.MICROSECONDS.sleep(200);
      }
    }
    inFlight.get(30, TimeUnit.SECONDS);
  }

  private CompletableFuture<Void> post(String body, long count) {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create(settings.target() + "/publish"))
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body));
    if (!settings.publisherToken().isEmpty()) {
      request.header("Authorization", "Bearer " + settings.publisherToken());
    }
    return http.sendAsync(request.build(), HttpResponse.BodyHandlers.discarding())
        .handle(
            (response, failure) -> {
              if (failure == null && response.statusCode() == 201) {
                stats.published.add(count);
              } else {
                stats.publishFailures.add(count);
                stats.error(
                    failure == null
                        ? "publish status " + response.statusCode()
                        : "publish: " + failure.getClass().getSimpleName());
              }
              return null;
            });
  }
}
