package dev.crier.loadtest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;

/**
 * Crier's channels as the load's "topics" ({@code --server crier-channels}): one channel per topic,
 * created before the load, the subscriber reading its consumer address and the publisher writing to
 * its producer address. Created once per run and read from every connection.
 */
final class ChannelAddresses {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int IN_FLIGHT = 64;

  private record Pair(String producer, String consumer) {}

  private static final Map<String, Pair> BY_TOPIC = new ConcurrentHashMap<>();

  private ChannelAddresses() {}

  /** Creates a channel for each of the run's topics; returns how long it took, in ms. */
  static long create(Settings settings) throws Exception {
    HttpClient client = HttpClient.newHttpClient();
    Semaphore inFlight = new Semaphore(IN_FLIGHT);
    List<CompletableFuture<Void>> created = new ArrayList<>();
    long start = System.nanoTime();
    for (int i = 0; i < settings.topics(); i++) {
      String topic = settings.topic(i);
      inFlight.acquire();
      HttpRequest request =
          HttpRequest.newBuilder(URI.create(settings.target() + "/channels"))
              .header("Authorization", "Bearer " + settings.publisherToken())
              .POST(HttpRequest.BodyPublishers.noBody())
              .build();
      created.add(
          client
              .sendAsync(request, HttpResponse.BodyHandlers.ofString())
              .thenAccept(
                  response -> {
                    inFlight.release();
                    if (response.statusCode() != 201) {
                      throw new IllegalStateException(
                          "POST /channels: " + response.statusCode() + " " + response.body());
                    }
                    BY_TOPIC.put(topic, parse(response.body()));
                  }));
    }
    CompletableFuture.allOf(created.toArray(CompletableFuture[]::new)).join();
    return (System.nanoTime() - start) / 1_000_000;
  }

  private static Pair parse(String body) {
    try {
      JsonNode json = JSON.readTree(body);
      return new Pair(json.get("producerAddress").asText(), json.get("consumerAddress").asText());
    } catch (IOException e) {
      throw new IllegalStateException("POST /channels answered " + body, e);
    }
  }

  static String consumer(String topic) {
    return of(topic).consumer();
  }

  static String producer(String topic) {
    return of(topic).producer();
  }

  private static Pair of(String topic) {
    Pair pair = BY_TOPIC.get(topic);
    if (pair == null) {
      throw new IllegalStateException("no channel was created for " + topic);
    }
    return pair;
  }
}
