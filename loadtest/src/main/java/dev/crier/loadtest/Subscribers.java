package dev.crier.loadtest;

import dev.crier.protocol.sse.SseEvent;
import dev.crier.protocol.sse.SseParser;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketClientHandshakeException;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolConfig;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolHandler;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Holds many SSE connections (or WebSockets) with a few event-loop threads: each connection is a
 * Netty channel whose body is fed to the protocol module's parser (a socket's frames are read as
 * they come), and every event is checked against its topic's sequence (missing, duplicated, out of
 * order) and timed from its publish stamp. A dropped stream reconnects with its last event id.
 */
final class Subscribers implements SubscriberGroup {
  /** Ephemeral ports per source address, with room to spare. */
  private static final int PER_SOURCE_ADDRESS = 20_000;

  private final Settings settings;
  private final Stats stats;
  private final EventLoopGroup group;
  private final Bootstrap bootstrap;
  private final List<Channel> channels = new ArrayList<>();
  private volatile boolean stopping;

  Subscribers(Settings settings, Stats stats) {
    this.settings = settings;
    this.stats = stats;
    this.group = new NioEventLoopGroup(Math.max(1, Runtime.getRuntime().availableProcessors() / 2));
    this.bootstrap =
        new Bootstrap()
            .group(group)
            .channel(NioSocketChannel.class)
            .option(ChannelOption.TCP_NODELAY, true)
            .option(ChannelOption.SO_REUSEADDR, true)
            .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 10_000);
  }

  /**
   * Opens every connection at the configured rate, with at most {@code maxPending} waiting for
   * their answer (so that a server that accepts more slowly sets the pace instead of timing out);
   * returns once each has been accepted (a refused one is retried) or could not connect at all, or
   * after a minute.
   */
  @Override
  public void connectAll() throws InterruptedException {
    long intervalNanos = 1_000_000_000L / settings.connectRate();
    long next = System.nanoTime();
    for (int i = 0; i < settings.subscribers(); i++) {
      long wait = next - System.nanoTime();
      if (wait > 0) {
        TimeUnit.NANOSECONDS.sleep(wait);
      }
      while (i - answered() >= settings.maxPending()) {
        TimeUnit.MILLISECONDS.sleep(1);
        next = System.nanoTime();
      }
      next += intervalNanos;
      int subscriber = settings.firstSubscriber() + i;
      connect(new Connection(subscriber, settings.topic(subscriber % settings.topics())));
    }
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (answered() < settings.subscribers() && System.nanoTime() < deadline) {
      TimeUnit.MILLISECONDS.sleep(20);
    }
  }

  /** Everything is recorded straight into the run's {@link Stats}. */
  @Override
  public void flush() {}

  @Override
  public List<Stats.Counts> countsPerProcess() {
    return List.of(stats.counts());
  }

  private long answered() {
    return stats.answered.sum();
  }

  private void connect(Connection c) {
    InetSocketAddress remote = new InetSocketAddress(c.server.getHost(), c.server.getPort());
    c.started = System.nanoTime();
    Bootstrap b =
        bootstrap
            .clone()
            .handler(
                new ChannelInitializer<SocketChannel>() {
                  @Override
                  protected void initChannel(SocketChannel ch) {
                    if (settings.webSocket()) {
                      ch.pipeline()
                          .addLast(
                              new HttpClientCodec(),
                              new HttpObjectAggregator(64 * 1024),
                              new WebSocketClientProtocolHandler(webSocketConfig(c)),
                              new WebSocketHandler(c));
                    } else {
                      ch.pipeline().addLast(new HttpClientCodec(), new Handler(c));
                    }
                  }
                });
    // Binding a source address with port 0 makes the kernel search for a free port on every
    // bind, slower with every socket open or in TIME_WAIT: it bounded the storm figures (Nchan's
    // 5,000 in 12 s here, 0.9 s from a plain client). A plain connect picks the port by 4-tuple.
    ChannelFuture f =
        settings.sourceAddresses() == 1
            ? b.connect(remote)
            : b.connect(
                remote,
                new InetSocketAddress(
                    "127.0.0." + (2 + (c.index / PER_SOURCE_ADDRESS) % settings.sourceAddresses()),
                    0));
    f.addListener(
        done -> {
          if (!done.isSuccess()) {
            stats.error("connect: " + done.cause().getClass().getSimpleName());
            c.answered();
          } else {
            synchronized (channels) {
              channels.add(f.channel());
            }
          }
        });
  }

  /**
   * A connection closed: unless the run ends, it connects again (and resumes) after {@code
   * retryMillis}; a server that drops one without answering it must not pass unseen.
   */
  private void reconnect(
      ChannelHandlerContext ctx,
      Connection c,
      boolean streaming,
      boolean responded,
      long retryMillis) {
    if (!stopping) {
      if (streaming) {
        stats.reconnects.increment();
      } else if (!responded) {
        stats.error("closed without an answer");
      }
      ctx.channel().eventLoop().schedule(() -> connect(c), retryMillis, TimeUnit.MILLISECONDS);
    }
  }

  private WebSocketClientProtocolConfig webSocketConfig(Connection c) {
    HttpHeaders headers = new DefaultHttpHeaders();
    if (!settings.subscriberToken().isEmpty()) {
      headers.set(HttpHeaderNames.AUTHORIZATION, "Bearer " + settings.subscriberToken());
    }
    return WebSocketClientProtocolConfig.newBuilder()
        .webSocketUri(
            URI.create(
                "ws://" + c.server.getAuthority() + settings.server().webSocketPath(c.topic)))
        .customHeaders(headers)
        .build();
  }

  /**
   * One subscriber: its topic, where it is in the topic's sequence, and how to resume. Its index
   * counts over all processes of the run, so that topic, server and source address are the same
   * however the subscribers are spread.
   */
  private final class Connection {
    final int index;
    final String topic;
    final URI server;
    final SequenceCheck sequence = new SequenceCheck(stats);
    String lastEventId = "";
    long started;
    boolean answered;

    Connection(int index, String topic) {
      this.index = index;
      this.topic = topic;
      this.server = settings.subscribeTo().get(index % settings.subscribeTo().size());
    }

    void answered() {
      if (!answered) {
        answered = true;
        stats.answered.increment();
      }
    }

    /** The server took the subscription: it counts as connected, timed from its connect. */
    void streaming() {
      answered();
      stats.connected.increment();
      stats.connect.recordValue((System.nanoTime() - started) / 1000);
    }

    void onEvent(SseEvent e) {
      lastEventId = e.lastEventId();
      sequence.onData(e.data());
    }
  }

  private final class Handler extends SimpleChannelInboundHandler<HttpObject> {
    private final Connection c;
    private final SseParser parser;
    private byte[] scratch = new byte[8192];

    /** Whether this channel's stream was accepted: only such a stream's end is a reconnect. */
    private boolean streaming;

    /** Whether any answer came on this channel: a close before one is a fault of its own. */
    private boolean responded;

    /**
     * How long to wait before trying again: a dropped stream resumes at once, a refused one waits
     * as long as the server's {@code Retry-After} asks (a second if it names none), as a browser
     * would, instead of adding to the load that made the server refuse.
     */
    private long retryMillis = 100;

    Handler(Connection c) {
      this.c = c;
      this.parser = new SseParser(c::onEvent);
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
      DefaultFullHttpRequest request =
          new DefaultFullHttpRequest(
              HttpVersion.HTTP_1_1, HttpMethod.GET, settings.server().subscribePath(c.topic));
      request.headers().set(HttpHeaderNames.HOST, c.server.getAuthority());
      request.headers().set(HttpHeaderNames.ACCEPT, "text/event-stream");
      if (!settings.subscriberToken().isEmpty()) {
        request
            .headers()
            .set(HttpHeaderNames.AUTHORIZATION, "Bearer " + settings.subscriberToken());
      }
      if (!c.lastEventId.isEmpty()) {
        request.headers().set("Last-Event-ID", c.lastEventId);
      }
      ctx.writeAndFlush(request);
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, HttpObject msg) {
      if (msg instanceof HttpResponse response) {
        responded = true;
        if (response.status().code() != 200) {
          // refused for now (e.g. 503 while the server is busy): counted, and retried on close
          stats.error("status " + response.status().code());
          retryMillis = retryAfterMillis(response);
          ctx.close();
          return;
        }
        streaming = true;
        c.streaming();
      }
      if (msg instanceof HttpContent content) {
        ByteBuf buf = content.content();
        int n = buf.readableBytes();
        if (n > scratch.length) {
          scratch = new byte[Math.max(n, scratch.length * 2)];
        }
        buf.getBytes(buf.readerIndex(), scratch, 0, n);
        parser.feed(scratch, 0, n);
      }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
      reconnect(ctx, c, streaming, responded, retryMillis);
    }

    private static long retryAfterMillis(HttpResponse response) {
      try {
        return TimeUnit.SECONDS.toMillis(
            Long.parseLong(response.headers().get(HttpHeaderNames.RETRY_AFTER, "1").trim()));
      } catch (NumberFormatException httpDate) {
        return TimeUnit.SECONDS.toMillis(1);
      }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      stats.error("stream: " + cause.getClass().getSimpleName());
      ctx.close();
    }
  }

  /**
   * A WebSocket subscriber: Crier's socket subscribes with a frame (resuming with its last id) and
   * receives {@code {"id", "topic", "type", "data"}} frames; Nchan's sends each event's data as a
   * frame of its own.
   */
  private final class WebSocketHandler extends SimpleChannelInboundHandler<TextWebSocketFrame> {
    private static final String ID = "{\"id\":\"";
    private static final String DATA = "\"data\":\"";

    private final Connection c;
    private boolean streaming, responded;

    WebSocketHandler(Connection c) {
      this.c = c;
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
      if (evt == WebSocketClientProtocolHandler.ClientHandshakeStateEvent.HANDSHAKE_COMPLETE) {
        responded = true;
        if (settings.server() == Server.CRIER) {
          String resume =
              c.lastEventId.isEmpty() ? "" : ",\"lastEventId\":\"" + c.lastEventId + "\"";
          ctx.writeAndFlush(
              new TextWebSocketFrame("{\"subscribe\":[\"" + c.topic + "\"]" + resume + "}"));
        } else {
          subscribed();
        }
      }
      super.userEventTriggered(ctx, evt);
    }

    private void subscribed() {
      streaming = true;
      c.streaming();
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, TextWebSocketFrame text) {
      String t = text.text();
      if (settings.server() != Server.CRIER) {
        c.sequence.onData(t);
      } else if (t.startsWith(ID)) {
        int idEnd = t.indexOf('"', ID.length());
        int data = t.indexOf(DATA, idEnd) + DATA.length();
        c.lastEventId = t.substring(ID.length(), idEnd);
        c.sequence.onData(t.substring(data, t.length() - 2));
      } else if (t.startsWith("{\"subscribed\"")) {
        subscribed();
      } else {
        stats.error("frame " + t.substring(0, Math.min(40, t.length())));
        ctx.close();
      }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
      reconnect(ctx, c, streaming, responded, 100);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      if (cause instanceof WebSocketClientHandshakeException refused
          && refused.response() != null) {
        responded = true;
        stats.error("status " + refused.response().status().code());
      } else {
        stats.error("socket: " + cause.getClass().getSimpleName());
      }
      ctx.close();
    }
  }

  @Override
  public void close() {
    stopping = true;
    synchronized (channels) {
      channels.forEach(Channel::close);
    }
    group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
  }
}
