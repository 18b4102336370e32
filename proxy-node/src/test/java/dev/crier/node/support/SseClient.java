package dev.crier.node.support;

import dev.crier.protocol.sse.SseEvent;
import dev.crier.protocol.sse.SseParser;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Flow;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A real SSE client for tests: one HTTP connection, bytes parsed by the protocol module's WHATWG
 * parser, events and comments collected for assertions. It can also stop reading altogether, to
 * play a subscriber that cannot keep up.
 */
public final class SseClient implements AutoCloseable {
  private static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

  private static final Duration HEAD_WITHIN = Duration.ofSeconds(20);

  private final BlockingQueue<SseEvent> events = new LinkedBlockingQueue<>();
  private final List<String> comments = java.util.Collections.synchronizedList(new ArrayList<>());
  private final List<Long> commentNanos = new ArrayList<>();
  private final List<Long> arrivals = new ArrayList<>();
  private final List<Retry> retries = java.util.Collections.synchronizedList(new ArrayList<>());
  private final AtomicInteger received = new AtomicInteger();
  private final CompletableFuture<Void> ended = new CompletableFuture<>();
  private final HttpResponse<Flow.Publisher<List<ByteBuffer>>> response;
  private volatile Flow.Subscription subscription;

  private SseClient(URI uri, Map<String, String> headers, boolean read) throws Exception {
    // The timeout bounds the wait for the response head only; the stream may then run on.
    HttpRequest.Builder request = HttpRequest.newBuilder(uri).timeout(HEAD_WITHIN).GET();
    headers.forEach(request::header);
    SseParser parser =
        new SseParser(
            new SseParser.Listener() {
              @Override
              public void onEvent(SseEvent e) {
                synchronized (arrivals) {
                  arrivals.add(System.nanoTime());
                }
                received.incrementAndGet();
                events.add(e);
              }

              @Override
              public void onRetry(long millis) {
                retries.add(new Retry(millis, received.get()));
              }

              @Override
              public void onComment(String text) {
                synchronized (comments) {
                  comments.add(text);
                  commentNanos.add(System.nanoTime());
                }
              }
            });
    // ofPublisher answers as soon as the head arrives; the body is read as the subscriber asks.
    response = HTTP.send(request.build(), HttpResponse.BodyHandlers.ofPublisher());
    response
        .body()
        .subscribe(
            new Flow.Subscriber<List<ByteBuffer>>() {
              @Override
              public void onSubscribe(Flow.Subscription s) {
                subscription = s;
                if (read) {
                  s.request(Long.MAX_VALUE);
                }
              }

              @Override
              public void onNext(List<ByteBuffer> buffers) {
                buffers.forEach(parser::feed);
              }

              @Override
              public void onError(Throwable t) {
                ended.completeExceptionally(t);
              }

              @Override
              public void onComplete() {
                ended.complete(null);
              }
            });
  }

  /** Opens a stream and reads it; returns once the response head has arrived. */
  public static SseClient open(URI uri, Map<String, String> headers) throws Exception {
    return new SseClient(uri, headers, true);
  }

  public static SseClient open(URI uri, String token) throws Exception {
    return open(uri, Map.of("Authorization", "Bearer " + token));
  }

  /** Opens a stream and never reads from it. */
  public static SseClient openNotReading(URI uri, String token) throws Exception {
    return new SseClient(uri, Map.of("Authorization", "Bearer " + token), false);
  }

  public int status() {
    return response.statusCode();
  }

  public HttpResponse<Flow.Publisher<List<ByteBuffer>>> response() {
    return response;
  }

  /** The next event, waiting up to the timeout; fails the test when none comes. */
  public SseEvent next(Duration timeout) throws InterruptedException {
    SseEvent e = events.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
    if (e == null) {
      throw new AssertionError("no event within " + timeout);
    }
    return e;
  }

  public List<SseEvent> next(int n, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    List<SseEvent> out = new ArrayList<>(n);
    while (out.size() < n) {
      SseEvent e = events.poll(deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
      if (e == null) {
        throw new AssertionError("got " + out.size() + " of " + n + " events within " + timeout);
      }
      out.add(e);
    }
    return out;
  }

  /** The next event, or null when none arrives within the wait. */
  public SseEvent poll(Duration wait) throws InterruptedException {
    return events.poll(wait.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** True when no further event arrives within the wait. */
  public boolean quietFor(Duration wait) throws InterruptedException {
    return events.poll(wait.toMillis(), TimeUnit.MILLISECONDS) == null;
  }

  /**
   * Waits until no event has come for {@code quiet}, and returns every event that came meanwhile.
   */
  public List<SseEvent> settle(Duration quiet) throws InterruptedException {
    List<SseEvent> out = new ArrayList<>();
    for (SseEvent e = events.poll(quiet.toMillis(), TimeUnit.MILLISECONDS);
        e != null;
        e = events.poll(quiet.toMillis(), TimeUnit.MILLISECONDS)) {
      out.add(e);
    }
    return out;
  }

  /** Starts reading a stream opened with {@link #openNotReading}. */
  public void resumeReading() {
    subscription.request(Long.MAX_VALUE);
  }

  /** Every event received and not yet taken. */
  public List<SseEvent> drain() {
    List<SseEvent> out = new ArrayList<>();
    events.drainTo(out);
    return out;
  }

  /** A {@code retry:} line and how many events the stream had carried before it. */
  public record Retry(long millis, int eventsBefore) {}

  /** Every {@code retry:} line so far, in order. */
  public List<Retry> retries() {
    synchronized (retries) {
      return List.copyOf(retries);
    }
  }

  /** How many events the stream has carried so far, taken or not. */
  public int received() {
    return received.get();
  }

  public List<String> comments() {
    synchronized (comments) {
      return List.copyOf(comments);
    }
  }

  /** When each event arrived ({@link System#nanoTime}), in order, taken or not. */
  public List<Long> arrivalNanos() {
    synchronized (arrivals) {
      return List.copyOf(arrivals);
    }
  }

  /** When each comment arrived ({@link System#nanoTime}), in order. */
  public List<Long> commentNanos() {
    synchronized (comments) {
      return List.copyOf(commentNanos);
    }
  }

  /** Completes when the server ends the stream (normally or not). */
  public CompletableFuture<Void> ended() {
    return ended;
  }

  @Override
  public void close() {
    Flow.Subscription s = subscription;
    if (s != null) {
      s.cancel();
    }
  }
}
