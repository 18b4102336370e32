package dev.crier.node.http;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.Done;
import org.apache.pekko.NotUsed;
import org.apache.pekko.http.javadsl.model.AttributeKey;
import org.apache.pekko.http.javadsl.model.HttpRequest;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.stream.Attributes;
import org.apache.pekko.stream.FlowShape;
import org.apache.pekko.stream.Inlet;
import org.apache.pekko.stream.Outlet;
import org.apache.pekko.stream.javadsl.Flow;
import org.apache.pekko.stream.stage.AbstractInHandler;
import org.apache.pekko.stream.stage.AbstractOutHandler;
import org.apache.pekko.stream.stage.GraphStage;
import org.apache.pekko.stream.stage.GraphStageLogic;
import org.apache.pekko.stream.stage.TimerGraphStageLogic;

/**
 * Tells a request's handler when its client hung up. Pekko HTTP treats a client's FIN during a
 * response as a half-close and goes on writing the response, so a streaming answer (SSE) would only
 * notice a departed client when a write fails, one or two heartbeats later. The client's FIN does
 * end the connection's stream of requests, though: this stage sits in front of the handler, once
 * per connection, and completes the connection's hang-up signal when that stream ends (or the
 * connection is torn down), attaching the signal to every request.
 *
 * <p>The same stage closes a connection whose first request has not arrived whole (request line and
 * headers) within a deadline. Pekko HTTP has no such deadline: its idle timeout is reset by every
 * byte, so a client that sends one header byte every few seconds (slowloris) holds its connection
 * open for good, and enough of them hold every file descriptor the node has. The stage is
 * materialized when the connection is accepted; later requests on a kept-alive connection are left
 * to the idle timeout, since an SSE response occupies its connection for as long as it streams.
 *
 * <p>HTTP/1.1 only: an HTTP/2 stream's reset cancels its response by itself.
 */
public final class ClientHangUp {
  @SuppressWarnings("unchecked")
  private static final AttributeKey<CompletionStage<Done>> KEY =
      AttributeKey.create(
          "crier-client-hang-up", (Class<CompletionStage<Done>>) (Class<?>) CompletionStage.class);

  private static final CompletionStage<Done> NEVER = new CompletableFuture<>();
  private static final String FIRST_REQUEST = "first-request";

  private ClientHangUp() {}

  /**
   * The handler, materialized once per connection, with each request carrying its signal.
   *
   * @param firstRequestTimeout how long the connection's first request may take to arrive whole;
   *     zero: no limit
   * @param onTimeout told each time a connection is closed for it
   */
  public static Flow<HttpRequest, HttpResponse, NotUsed> watching(
      Flow<HttpRequest, HttpResponse, NotUsed> handler,
      Duration firstRequestTimeout,
      Runnable onTimeout) {
    return Flow.fromGraph(new Watch(firstRequestTimeout, onTimeout)).via(handler);
  }

  /**
   * Completes when the request's client has closed its side of the connection, or the connection
   * ended; never, for a request that did not come through {@link #watching}.
   */
  public static CompletionStage<Done> of(HttpRequest request) {
    return request.getAttribute(KEY).orElse(NEVER);
  }

  private static final class Watch extends GraphStage<FlowShape<HttpRequest, HttpRequest>> {
    private final Inlet<HttpRequest> in = Inlet.create("ClientHangUp.in");
    private final Outlet<HttpRequest> out = Outlet.create("ClientHangUp.out");
    private final FlowShape<HttpRequest, HttpRequest> shape = FlowShape.of(in, out);
    private final Duration firstRequestTimeout;
    private final Runnable onTimeout;

    Watch(Duration firstRequestTimeout, Runnable onTimeout) {
      this.firstRequestTimeout = firstRequestTimeout;
      this.onTimeout = onTimeout;
    }

    @Override
    public FlowShape<HttpRequest, HttpRequest> shape() {
      return shape;
    }

    @Override
    public GraphStageLogic createLogic(Attributes attributes) {
      CompletableFuture<Done> hungUp = new CompletableFuture<>();
      return new TimerGraphStageLogic(shape) {
        private boolean arrived;

        {
          setHandler(
              in,
              new AbstractInHandler() {
                @Override
                public void onPush() {
                  if (!arrived) {
                    arrived = true;
                    cancelTimer(FIRST_REQUEST);
                  }
                  push(out, grab(in).addAttribute(KEY, hungUp));
                }
              });
          setHandler(
              out,
              new AbstractOutHandler() {
                @Override
                public void onPull() {
                  pull(in);
                }
              });
        }

        @Override
        public void preStart() {
          if (!firstRequestTimeout.isZero()) {
            scheduleOnce(FIRST_REQUEST, firstRequestTimeout);
          }
        }

        @Override
        public void onTimer(Object key) {
          if (!arrived) {
            onTimeout.run();
            completeStage();
          }
        }

        @Override
        public void postStop() {
          hungUp.complete(Done.getInstance());
        }
      };
    }
  }
}
