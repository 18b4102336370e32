package dev.crier.loadtest;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * Publishes at a set rate over all topics, round robin, each event carrying its topic's sequence
 * number and its send time ({@code "<seq> <epoch-micros> <padding>"}). Events due in the same
 * millisecond go out together, and one such batch at a time, so that each topic's events reach the
 * server in order; if the server falls behind, batches grow. How a batch is sent depends on the
 * server: Crier takes it as one {@code POST /publish}, Pushpin as one publish call with many items,
 * Nchan as one POST per event (sequential per topic, topics in parallel). Requests go over
 * keep-alive {@link HttpConnection}s, each written at once: one batch's request from the publishing
 * thread itself, Nchan's per-topic chains from a pool of threads and connections.
 */
final class Publisher implements AutoCloseable {
  /** The server's default {@code crier.publish.max-batch-events}. */
  private static final int MAX_BATCH = 1000;

  private record Event(String topic, String data) {}

  private final Settings settings;
  private final Stats stats;

  /** Crier's and Pushpin's connection; one batch is in flight at a time. */
  private final HttpConnection connection;

  /** Nchan's idle connections, and the threads its per-topic chains run on. */
  private final ConcurrentLinkedDeque<HttpConnection> idle = new ConcurrentLinkedDeque<>();

  private final ExecutorService chains =
      Executors.newCachedThreadPool(
          task -> {
            Thread thread = new Thread(task, "nchan-publisher");
            thread.setDaemon(true);
            return thread;
          });
  private final NngPush push;
  private final long[] seq;
  private final String padding;
  private int nextTopic;

  Publisher(Settings settings, Stats stats) throws java.io.IOException {
    this.settings = settings;
    this.stats = stats;
    this.push = settings.pushTo() == null ? null : new NngPush(settings.pushTo());
    this.connection = new HttpConnection(settings.publishTo());
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
    switch (settings.server()) {
      case CRIER ->
          post(
              connection,
              "/publish",
              settings.publisherToken(),
              crierBody(batch),
              batch.size(),
              201);
      case PUSHPIN -> post(connection, "/publish/", "", pushpinBody(batch), batch.size(), 200);
      case NCHAN -> {
        return nchan(batch);
      }
    }
    return CompletableFuture.completedFuture(null);
  }

  @Override
  public void close() throws java.io.IOException {
    if (push != null) {
      push.close();
    }
    connection.close();
    chains.shutdownNow();
    idle.forEach(HttpConnection::close);
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

  private static String crierBody(List<Event> batch) {
    StringBuilder body = new StringBuilder("[");
    for (Event e : batch) {
      body.append(body.length() > 1 ? "," : "")
          .append("{\"topic\":\"")
          .append(e.topic())
          .append("\",\"data\":\"")
          .append(e.data())
          .append("\"}");
    }
    return body.append(']').toString();
  }

  /** GRIP publish: every item is an SSE frame for the channel named like the topic. */
  private static String pushpinBody(List<Event> batch) {
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
    return body.append("]}").toString();
  }

  /**
   * Nchan publishes one message per POST; each topic's POSTs go one after another on one
   * connection, topics in parallel.
   */
  private CompletableFuture<Void> nchan(List<Event> batch) {
    Map<String, List<Event>> byTopic = new LinkedHashMap<>();
    for (Event e : batch) {
      byTopic.computeIfAbsent(e.topic(), t -> new ArrayList<>()).add(e);
    }
    List<CompletableFuture<Void>> running = new ArrayList<>();
    for (List<Event> events : byTopic.values()) {
      running.add(
          CompletableFuture.runAsync(
              () -> {
                HttpConnection c = idle.poll();
                c = c == null ? new HttpConnection(settings.publishTo()) : c;
                for (Event e : events) {
                  post(c, "/pub/" + e.topic(), "", e.data(), 1, 201, 202);
                }
                idle.push(c);
              },
              chains));
    }
    return CompletableFuture.allOf(running.toArray(CompletableFuture[]::new));
  }

  /**
   * Sends one request (a JSON body unless Nchan's) and counts its events as published or failed.
   *
   * @param token bearer token, empty for none
   */
  private void post(
      HttpConnection c, String path, String token, String body, int count, int... accepted) {
    try {
      String contentType = settings.server() == Server.NCHAN ? null : "application/json";
      int status = c.post(path, contentType, token, body.getBytes(StandardCharsets.UTF_8));
      if (ok(status, accepted)) {
        stats.published.add(count);
      } else {
        stats.publishFailures.add(count);
        stats.error("publish status " + status);
      }
    } catch (IOException | RuntimeException e) {
      stats.publishFailures.add(count);
      stats.error("publish: " + e.getClass().getSimpleName());
    }
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
