package dev.crier.node.websocket;

import dev.crier.node.Refusal;
import dev.crier.node.auth.AccessRequest;
import dev.crier.node.auth.Grants;
import dev.crier.node.http.ApiError;
import dev.crier.node.publish.AcceptedEvent;
import dev.crier.node.publish.EventRequests;
import dev.crier.node.publish.Publisher;
import dev.crier.node.subscribe.Connections;
import dev.crier.node.subscribe.DisconnectReason;
import dev.crier.node.subscribe.Opened;
import dev.crier.node.subscribe.SubscriptionRequests;
import dev.crier.node.subscribe.Transport;
import dev.crier.node.topic.SlowConsumerException;
import dev.crier.protocol.cursor.CursorCodec;
import dev.crier.protocol.cursor.Position;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.pekko.Done;
import org.apache.pekko.http.javadsl.model.ws.Message;
import org.apache.pekko.http.javadsl.model.ws.TextMessage;
import org.apache.pekko.stream.Attributes;
import org.apache.pekko.stream.FlowShape;
import org.apache.pekko.stream.Inlet;
import org.apache.pekko.stream.Outlet;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.stage.AbstractInHandler;
import org.apache.pekko.stream.stage.AbstractOutHandler;
import org.apache.pekko.stream.stage.AsyncCallback;
import org.apache.pekko.stream.stage.GraphStage;
import org.apache.pekko.stream.stage.TimerGraphStageLogic;

/**
 * One WebSocket: its frames in, its answers and events out, in one stage that holds all of the
 * socket's state. The socket authenticates (with its upgrade request, or its first frame),
 * subscribes through the node's {@link Connections} on the same hubs, limits and slow-consumer
 * rules as an SSE stream, publishes through the {@link Publisher}, and in at-least-once mode keeps
 * an {@link AckWindow}. It ends with a close code that says why ({@link SocketClose}).
 */
final class SocketSession extends GraphStage<FlowShape<Message, Message>> {
  private static final String AUTH_TIMER = "auth";
  private static final String CLOSE_TIMER = "close";

  /** How long answers queued before a close may take to be written. */
  private static final java.time.Duration CLOSE_FLUSH = java.time.Duration.ofSeconds(1);

  private final Inlet<Message> in = Inlet.create("SocketSession.in");
  private final Outlet<Message> out = Outlet.create("SocketSession.out");
  private final FlowShape<Message, Message> shape = FlowShape.of(in, out);
  private final Sockets sockets;
  private final String clientAddress;
  private final Grants upgradeGrants;
  private final boolean ackByDefault;
  private final CodedClose close;

  /**
   * @param upgradeGrants the grants of the upgrade request's token, or null when the socket must
   *     authenticate with its first frame
   * @param ackByDefault at-least-once mode unless a subscribe frame says otherwise ({@code
   *     ?ack=true})
   */
  SocketSession(
      Sockets sockets,
      String clientAddress,
      Grants upgradeGrants,
      boolean ackByDefault,
      CodedClose close) {
    this.sockets = sockets;
    this.clientAddress = clientAddress;
    this.upgradeGrants = upgradeGrants;
    this.ackByDefault = ackByDefault;
    this.close = close;
  }

  @Override
  public FlowShape<Message, Message> shape() {
    return shape;
  }

  @Override
  public TimerGraphStageLogic createLogic(Attributes attributes) {
    return new Logic();
  }

  private final class Logic extends TimerGraphStageLogic {
    private final ArrayDeque<Message> replies = new ArrayDeque<>();
    private final AtomicBoolean endAsked = new AtomicBoolean();
    private AsyncCallback<Runnable> onStage;
    private Grants grants;
    private long socketId = -1;
    private SocketSubscription subscription;
    private boolean authenticating;
    private boolean collecting;
    private int publishing;

    /** Why the socket is closing (the node's reason, or a refusal), or null while it is open. */
    private SocketClose closing;

    private Throwable cutBy;

    Logic() {
      super(shape);
      setHandler(
          in,
          new AbstractInHandler() {
            @Override
            public void onPush() {
              received(grab(in));
            }

            @Override
            public void onUpstreamFinish() {
              completeStage();
            }

            @Override
            public void onUpstreamFailure(Throwable ex) {
              completeStage();
            }
          });
      setHandler(
          out,
          new AbstractOutHandler() {
            @Override
            public void onPull() {
              deliver();
            }
          });
    }

    @Override
    public void preStart() {
      onStage = createAsyncCallback(Runnable::run);
      if (upgradeGrants != null) {
        admit(upgradeGrants, null);
      } else {
        scheduleOnce(AUTH_TIMER, sockets.settings().authTimeout());
      }
      readMore();
    }

    @Override
    public void onTimer(Object key) {
      if (AUTH_TIMER.equals(key) && grants == null && closing == null) {
        refuse(
            null,
            ApiError.badRequest("auth_timeout", "send {\"auth\": \"<jwt>\"} first"),
            SocketClose.AUTH_TIMEOUT);
      } else if (CLOSE_TIMER.equals(key)) {
        finish();
      }
    }

    /** Runs {@code work} on the stage from any thread. */
    private void later(Runnable work) {
      onStage.invoke(work);
    }

    private void received(Message message) {
      if (!message.isText()) {
        message.asBinaryMessage().getStreamedData().runWith(Sink.ignore(), materializer());
        reply(
            ServerFrames.error(
                null, ApiError.badRequest("invalid_frame", "frames are JSON text, not binary")));
        readMore();
        return;
      }
      TextMessage text = message.asTextMessage();
      if (text.isStrict()) {
        handle(text.getStrictText());
        readMore();
        return;
      }
      collecting = true;
      int max = sockets.settings().maxMessageBytes();
      text.getStreamedText()
          .limitWeighted(max, part -> (long) part.length())
          .runFold(new StringBuilder(), StringBuilder::append, materializer())
          .whenComplete(
              (whole, failure) ->
                  later(
                      () -> {
                        collecting = false;
                        if (failure != null) {
                          closeWith(SocketClose.TOO_BIG);
                        } else {
                          handle(whole.toString());
                          readMore();
                        }
                      }));
    }

    /** Reads the next frame unless answers pile up, publishes wait, or the socket is closing. */
    private void readMore() {
      if (closing == null
          && !collecting
          && !authenticating
          && replies.size() < sockets.settings().pendingReplies()
          && publishing < sockets.settings().publishesInFlight()
          && !hasBeenPulled(in)
          && !isClosed(in)) {
        pull(in);
      }
    }

    private void handle(String text) {
      if (closing != null) {
        return;
      }
      if (text.length() > sockets.settings().maxMessageBytes()) {
        closeWith(SocketClose.TOO_BIG);
        return;
      }
      ClientFrame frame;
      try {
        frame = ClientFrame.parse(text);
      } catch (ClientFrame.Refused refused) {
        reply(ServerFrames.error(refused.ref(), refused.error()));
        return;
      }
      if (frame instanceof ClientFrame.Auth auth) {
        authenticate(auth);
        return;
      }
      if (grants == null) {
        refuse(
            frame.ref(),
            ApiError.of(Refusal.unauthenticated("send {\"auth\": \"<jwt>\"} first")),
            SocketClose.UNAUTHORIZED);
        return;
      }
      try {
        if (frame instanceof ClientFrame.Subscribe subscribe) {
          subscribe(subscribe);
        } else if (frame instanceof ClientFrame.Unsubscribe unsubscribe) {
          unsubscribe(unsubscribe);
        } else if (frame instanceof ClientFrame.Publish publish) {
          publish(publish);
        } else if (frame instanceof ClientFrame.Ack ack) {
          ack(ack);
        } else {
          ClientFrame.Ping ping = (ClientFrame.Ping) frame;
          reply(ServerFrames.pong(ping.payload(), ping.ref()));
        }
      } catch (ApiError.Rejection rejection) {
        reply(ServerFrames.error(frame.ref(), rejection.error()));
      }
    }

    private void authenticate(ClientFrame.Auth auth) {
      if (grants != null || authenticating) {
        reply(
            ServerFrames.error(
                auth.ref(),
                ApiError.badRequest(
                    "already_authenticated",
                    "the socket is authenticated already (by its upgrade request's token or an"
                        + " earlier auth frame)")));
        return;
      }
      authenticating = true;
      sockets
          .access()
          .authenticate(Optional.of(auth.token()), AccessRequest.subscribe(List.of()))
          .whenComplete(
              (granted, failure) ->
                  later(
                      () -> {
                        authenticating = false;
                        if (failure != null) {
                          ApiError error = errorOf(failure);
                          refuse(auth.ref(), error, SocketClose.refused(error));
                        } else {
                          admit(granted, auth.ref());
                          readMore();
                        }
                      }));
    }

    /** Takes a place among the node's connections, or refuses the socket with the reason. */
    private void admit(Grants granted, String ref) {
      Opened opened =
          sockets
              .connections()
              .admit(Transport.WEBSOCKET, granted, clientAddress, this::endFromNode);
      if (opened instanceof Opened.Refused refused) {
        ApiError error = ApiError.of(refused.refusal());
        refuse(ref, error, SocketClose.refused(error));
        return;
      }
      cancelTimer(AUTH_TIMER);
      grants = granted;
      socketId = ((Opened.Admitted) opened).id();
      if (ref != null || upgradeGrants == null) {
        reply(ServerFrames.authenticated(granted.subject(), ref));
      }
    }

    /** The node ends the socket (drain, revocation); called from any thread. */
    private boolean endFromNode(DisconnectReason reason) {
      if (!endAsked.compareAndSet(false, true)) {
        return false;
      }
      later(() -> closeWith(SocketClose.of(reason)));
      return true;
    }

    private void subscribe(ClientFrame.Subscribe frame) {
      if (subscription != null) {
        throw ApiError.badRequest(
                "already_subscribed",
                "the socket has a subscription; unsubscribe first, or open another socket")
            .rejection();
      }
      CursorCodec codec =
          new CursorCodec(
              SubscriptionRequests.topics(frame.topics(), sockets.subscribe().maxTopics()));
      Position[] resume = SubscriptionRequests.resume(codec, frame.lastEventId());
      SubscriptionRequests.granted(grants, codec.topics());
      SocketSubscription s =
          new SocketSubscription(
              codec,
              frame.ack() != null ? frame.ack() : ackByDefault,
              frame.ref(),
              sockets.subscribe().bufferSize(),
              sockets.settings());
      subscription = s;
      AsyncCallback<Done> wake = createAsyncCallback(done -> fed(s));
      s.feed().start(() -> wake.invoke(Done.getInstance()));
      sockets
          .connections()
          .subscribe(
              socketId, codec, resume, Math.min(frame.replay(), sockets.maxReplay()), s.feed())
          .whenComplete(
              (ok, failure) -> {
                if (failure != null && !(unwrap(failure) instanceof SlowConsumerException)) {
                  later(() -> notSynced(s, frame.ref()));
                }
              });
      // Waiting for the feed from now on, so that its first offer wakes the stage.
      deliver();
    }

    private void notSynced(SocketSubscription s, String ref) {
      if (subscription == s && !s.feed().isCompleted()) {
        dropSubscription();
        reply(
            ServerFrames.error(
                ref,
                ApiError.of(
                    Refusal.unavailable(
                        "owner_unavailable", "the topics' owners did not answer in time", 1))));
      }
    }

    private void unsubscribe(ClientFrame.Unsubscribe frame) {
      if (subscription == null) {
        throw ApiError.badRequest("not_subscribed", "the socket has no subscription").rejection();
      }
      List<String> topics = subscription.codec().topics();
      dropSubscription();
      reply(ServerFrames.unsubscribed(topics, frame.ref()));
    }

    private void dropSubscription() {
      sockets.connections().unsubscribe(socketId);
      subscription.end();
      subscription = null;
    }

    private void ack(ClientFrame.Ack frame) {
      if (subscription == null) {
        throw ApiError.badRequest("invalid_ack", "the socket has no subscription").rejection();
      }
      subscription.ack(frame.cursor());
    }

    private void publish(ClientFrame.Publish frame) {
      EventRequests.Batch batch = sockets.requests().batch(frame.events());
      publishing++;
      sockets
          .publisher()
          .publish(grants, batch.items())
          .whenComplete(
              (outcome, failure) ->
                  later(
                      () -> {
                        publishing--;
                        if (failure != null) {
                          reply(ServerFrames.error(frame.ref(), errorOf(failure)));
                        } else if (outcome instanceof Publisher.Outcome.Refused refused) {
                          reply(ServerFrames.error(frame.ref(), ApiError.of(refused.refusal())));
                        } else {
                          reply(
                              ServerFrames.published(
                                  AcceptedEvent.answer(
                                      (Publisher.Outcome.Accepted) outcome, batch.array()),
                                  frame.ref()));
                        }
                        readMore();
                      }));
    }

    private void reply(Message message) {
      replies.add(message);
      deliver();
    }

    /** The feed of this subscription has something (or was closed). */
    private void fed(SocketSubscription s) {
      s.feed().woken();
      if (subscription != s) {
        return;
      }
      Throwable cause = s.feed().failure();
      if (cause != null) {
        cutOff(cause);
        return;
      }
      deliver();
    }

    /** The hubs cut the subscription (too slow), or its feed failed: the socket ends. */
    private void cutOff(Throwable cause) {
      cutBy = cause;
      subscription.end();
      closeWith(
          cause instanceof SlowConsumerException
              ? SocketClose.of(DisconnectReason.SLOW_CONSUMER)
              : SocketClose.of(DisconnectReason.FAILED));
    }

    /** Writes the next answer, else the next event, when the socket can take one. */
    private void deliver() {
      if (!isAvailable(out)) {
        return;
      }
      Message reply = replies.poll();
      if (reply != null) {
        push(out, reply);
        readMore();
        return;
      }
      if (closing != null) {
        finish();
        return;
      }
      SocketSubscription s = subscription;
      SocketEvents.Out next = s == null ? null : s.next();
      if (next == null) {
        if (s != null && s.completedByHubs()) {
          closeWith(SocketClose.of(DisconnectReason.DRAINED));
        }
        return;
      }
      push(out, next.message());
      if (!s.sent(next)) {
        cutOff(
            new SlowConsumerException(
                "acks: more than "
                    + sockets.settings().unackedEvents()
                    + " events or "
                    + sockets.settings().unackedBytes()
                    + " chars not acknowledged"));
      }
    }

    /** Refuses what the client asked with an error frame, then closes the socket. */
    private void refuse(String ref, ApiError error, SocketClose how) {
      replies.add(ServerFrames.error(ref, error));
      closeWith(how);
    }

    /** Closes the socket with this code once the answers queued are written (or a second). */
    private void closeWith(SocketClose how) {
      if (closing != null) {
        return;
      }
      closing = how;
      close.set(how.code(), how.reason());
      scheduleOnce(CLOSE_TIMER, CLOSE_FLUSH);
      if (replies.isEmpty()) {
        finish();
      } else {
        deliver();
      }
    }

    private void finish() {
      completeStage();
    }

    @Override
    public void postStop() {
      if (subscription != null) {
        subscription.end();
      }
      if (socketId >= 0) {
        sockets.connections().closed(socketId, cutBy);
      }
    }
  }

  private static Throwable unwrap(Throwable failure) {
    return failure instanceof CompletionException && failure.getCause() != null
        ? failure.getCause()
        : failure;
  }

  /** The refusal a failed stage carries (or a timeout's); anything else is the node's fault. */
  private static ApiError errorOf(Throwable failure) {
    return ApiError.forFailure(failure)
        .orElseGet(
            () -> ApiError.of(Refusal.unavailable("internal_error", "the request failed", 1)));
  }
}
