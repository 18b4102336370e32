package dev.crier.node.http;

import java.time.Duration;
import org.apache.pekko.NotUsed;
import org.apache.pekko.http.javadsl.model.HttpRequest;
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
 * Closes a connection whose first request has not arrived whole (request line and headers) within
 * the timeout. Pekko HTTP has no such deadline: its idle timeout is reset by every byte, so a
 * client that sends one header byte every few seconds (slowloris) holds its connection open for
 * good, and enough of them hold every file descriptor the node has. Materialized once per
 * connection, in front of the handler, when the connection is accepted; later requests on a
 * kept-alive connection are left to the idle timeout, since an SSE response occupies its connection
 * for as long as it streams.
 */
public final class FirstRequestDeadline {
  private FirstRequestDeadline() {}

  /**
   * The requests of a connection, ended after {@code timeout} if none has come by then.
   *
   * @param onTimeout told each time a connection is closed for it
   */
  public static Flow<HttpRequest, HttpRequest, NotUsed> of(Duration timeout, Runnable onTimeout) {
    return Flow.fromGraph(new Deadline(timeout, onTimeout));
  }

  private static final class Deadline extends GraphStage<FlowShape<HttpRequest, HttpRequest>> {
    private final Inlet<HttpRequest> in = Inlet.create("FirstRequestDeadline.in");
    private final Outlet<HttpRequest> out = Outlet.create("FirstRequestDeadline.out");
    private final FlowShape<HttpRequest, HttpRequest> shape = FlowShape.of(in, out);
    private final Duration timeout;
    private final Runnable onTimeout;

    Deadline(Duration timeout, Runnable onTimeout) {
      this.timeout = timeout;
      this.onTimeout = onTimeout;
    }

    @Override
    public FlowShape<HttpRequest, HttpRequest> shape() {
      return shape;
    }

    @Override
    public GraphStageLogic createLogic(Attributes attributes) {
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
                    cancelTimer("first-request");
                  }
                  push(out, grab(in));
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
          scheduleOnce("first-request", timeout);
        }

        @Override
        public void onTimer(Object key) {
          if (!arrived) {
            onTimeout.run();
            completeStage();
          }
        }
      };
    }
  }
}
