package dev.crier.node.support;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** Plain request/response calls against a test node, with JSON bodies parsed. */
public final class Http {
  private static final HttpClient CLIENT =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
  private static final ObjectMapper JSON = new ObjectMapper();

  /** How long a plain call may take, body included. */
  public static final Duration ANSWER_WITHIN = Duration.ofSeconds(20);

  /** A response's status and its body parsed as JSON (null when empty or not JSON). */
  public record Answer(int status, JsonNode json, HttpResponse<String> raw) {}

  private Http() {}

  /**
   * Sends and reads the whole answer within {@link #ANSWER_WITHIN}, or fails the test: a refusal
   * that regressed into an endless 200 stream must fail, not hang the build.
   */
  public static Answer send(HttpRequest request) throws IOException, InterruptedException {
    CompletableFuture<HttpResponse<String>> answer =
        CLIENT.sendAsync(request, HttpResponse.BodyHandlers.ofString());
    HttpResponse<String> response;
    try {
      response = answer.get(ANSWER_WITHIN.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException endless) {
      answer.cancel(true);
      throw new AssertionError(
          request.method() + " " + request.uri() + ": no complete answer within " + ANSWER_WITHIN);
    } catch (ExecutionException failed) {
      if (failed.getCause() instanceof IOException io) {
        throw io;
      }
      throw new IOException(failed.getCause());
    }
    JsonNode json = null;
    try {
      json = response.body().isEmpty() ? null : JSON.readTree(response.body());
    } catch (IOException notJson) {
      json = null;
    }
    return new Answer(response.statusCode(), json, response);
  }

  public static Answer get(URI uri, String token) throws IOException, InterruptedException {
    return send(auth(HttpRequest.newBuilder(uri), token).GET().build());
  }

  /** {@code POST /topics/{topic}/events} with the body as is. */
  public static Answer publish(TestNode node, String topic, String data, String token)
      throws IOException, InterruptedException {
    return send(
        auth(HttpRequest.newBuilder(node.http("/topics/" + topic + "/events")), token)
            .POST(HttpRequest.BodyPublishers.ofString(data))
            .build());
  }

  public static Answer postJson(URI uri, String json, String token)
      throws IOException, InterruptedException {
    return send(
        auth(HttpRequest.newBuilder(uri), token)
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(json))
            .build());
  }

  /** {@code POST /publish} of one batch: each string is an event's data, all for {@code topic}. */
  public static Answer publishBatch(URI publish, String topic, List<String> data, String token)
      throws IOException, InterruptedException {
    com.fasterxml.jackson.databind.node.ArrayNode batch = JSON.createArrayNode();
    data.forEach(d -> batch.addObject().put("topic", topic).put("data", d));
    return postJson(publish, batch.toString(), token);
  }

  public static HttpRequest.Builder auth(HttpRequest.Builder builder, String token) {
    return token == null ? builder : builder.header("Authorization", "Bearer " + token);
  }
}
