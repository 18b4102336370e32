package dev.crier.loadtest;

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

/**
 * Publishes at a set rate over all topics, round robin, each event carrying its topic's sequence
 * number and its send time ({@code "<seq> <epoch-micros> <padding>"}). Events due in the same
 * millisecond go out together, and one such batch at a time, so that each topic's events reach the
 * server in order; if the server falls behind, batches grow. How a batch is sent depends on the
 * server: Crier takes it as one {@code POST /publish}, Pushpin as one publish call with many items,
 * Nchan as one POST per event (sequential per topic, topics in parallel).
 */
final class Publisher implements AutoCloseable {
  /** The server's default {@code crier.publish.max-batch-events}. */
  private static final int MAX_BATCH = 1000;

  private record Event(String topic, String data) {}

  private final Settings settings;
  private final Stats stats;
  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
  private final NngPush push;
  private final long[] seq;
  private final String padding;
  private int nextTopic;

  Publisher(Settings settings, Stats stats) throws java.io.IOException {
    this.settings = settings;
    this.stats = stats;
    this.push = settings.pushTo() == null ? null : new NngPush(settings.pushTo());
    this.seq = new long[settings.topics()];
    this.padding = "x".repeat(settings.payload());
  }

  /** Publishes at {@code rate} for {@code duration}; returns when the last batch is answered. */
  void run(int rate, Duration duration) throws Exception {
    long start = System.nanoTime();
    long end = start + duration.toNanos();
    long sent = 0;
    CompletableFuture<Void> inFlight = CompletableFuture.completedFuture(null);
    while (System.nanoTime() < end) {
      long due = Math.min(sent + MAX_BATCH, (System.nanoTime() - start) * rate / 1_000_000_000L);
      if (due > sent && inFlight.isDone()) {
        List<Event> batch = new ArrayList<>((int) (due - sent));
        long micros = Clock.micros();
        for (long i = sent; i < due; i++) {
          batch.add(
              new Event(
                  settings.topic(nextTopic), ++seq[nextTopic] + " " + micros + " " + padding));
          nextTopic = (nextTopic + 1) % settings.topics();
        }
        sent = due;
        inFlight = send(batch);
      } else {
        TimeUnit.MICROSECONDS.sleep(200);
      }
    }
    inFlight.get(60, TimeUnit.SECONDS);
  }

  private CompletableFuture<Void> send(List<Event> batch) {
    if (push != null) {
      return pushAll(batch);
    }
    return switch (settings.server()) {
      case CRIER -> post(crierRequest(batch), batch.size(), 201);
      case PUSHPIN -> post(pushpinRequest(batch), batch.size(), 200);
      case NCHAN -> nchan(batch);
    };
  }

  @Override
  public void close() throws java.io.IOException {
    if (push != null) {
      push.close();
    }
  }

  private CompletableFuture<Void> pushAll(List<Event> batch) {
    try {
      for (Event e : batch) {
        push.push(e.topic(), e.data());
      }
      push.flush();
      stats.published.add(batch.size());
    } catch (java.io.IOException e) {
      stats.publishFailures.add(batch.size());
      stats.error("push: " + e.getClass().getSimpleName());
    }
    return CompletableFuture.completedFuture(null);
  }

  private HttpRequest crierRequest(List<Event> batch) {
    StringBuilder body = new StringBuilder("[");
    for (Event e : batch) {
      body.append(body.length() > 1 ? "," : "")
          .append("{\"topic\":\"")
          .append(e.topic())
          .append("\",\"data\":\"")
          .append(e.data())
          .append("\"}");
    }
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create(settings.publishTo() + "/publish"))
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body.append(']').toString()));
    if (!settings.publisherToken().isEmpty()) {
      request.header("Authorization", "Bearer " + settings.publisherToken());
    }
    return request.build();
  }

  /** GRIP publish: every item is an SSE frame for the channel named like the topic. */
  private HttpRequest pushpinRequest(List<Event> batch) {
    StringBuilder body = new StringBuilder("{\"items\":[");
    boolean first = true;
    for (Event e : batch) {
      body.append(first ? "" : ",")
          .append("{\"channel\":\"")
          .append(e.topic())
          .append("\",\"formats\":{\"http-stream\":{\"content\":\"data: ")
          .append(e.data())
          .append("\\n\\n\"}}}");
      first = false;
    }
    return HttpRequest.newBuilder(URI.create(settings.publishTo() + "/publish/"))
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body.append("]}").toString()))
        .build();
  }

  /** Nchan publishes one message per POST; each topic's POSTs go one after another. */
  private CompletableFuture<Void> nchan(List<Event> batch) {
    Map<String, List<Event>> byTopic = new LinkedHashMap<>();
    for (Event e : batch) {
      byTopic.computeIfAbsent(e.topic(), t -> new ArrayList<>()).add(e);
    }
    List<CompletableFuture<Void>> chains = new ArrayList<>();
    for (List<Event> events : byTopic.values()) {
      CompletableFuture<Void> chain = CompletableFuture.completedFuture(null);
      for (Event e : events) {
        HttpRequest request =
            HttpRequest.newBuilder(URI.create(settings.publishTo() + "/pub/" + e.topic()))
                .POST(HttpRequest.BodyPublishers.ofString(e.data()))
                .build();
        chain = chain.thenCompose(done -> post(request, 1, 201, 202));
      }
      chains.add(chain);
    }
    return CompletableFuture.allOf(chains.toArray(CompletableFuture[]::new));
  }

  private CompletableFuture<Void> post(HttpRequest request, int count, int... accepted) {
    return http.sendAsync(request, HttpResponse.BodyHandlers.discarding())
        .handle(
            (response, failure) -> {
              if (failure == null && ok(response.statusCode(), accepted)) {
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

  private static boolean ok(int status, int... accepted) {
    for (int a : accepted) {
      if (status == a) {
        return true;
      }
    }
    return false;
  }
}
