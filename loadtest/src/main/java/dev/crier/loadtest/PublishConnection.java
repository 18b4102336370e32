package dev.crier.loadtest;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One persistent HTTP/1.1 connection that publishes without waiting for answers: events offered are
 * written at once as requests (pipelined), with at most {@code maxInFlight} unanswered. A server
 * answers a connection's requests in the order they were sent, and the servers measured here (Pekko
 * HTTP, nginx) handle them one after another, so the events of the topics sent over one connection
 * keep their order. Events offered while the connection is at its bound wait, and go out together
 * (as far as the server batches) when an answer frees a slot; every answer is timed from its
 * request's first write into {@link Stats#publishAnswer}.
 *
 * <p>To a server that does not read pipelined requests ({@link PublishRequest#pipelines}), a
 * connection sends one request at a time whatever its bound: it still does not wait to make events,
 * which go out together in the next request, as in the wait mode.
 *
 * <p>A response that closes the connection ({@code Connection: close}, as nginx sends after its
 * {@code keepalive_requests}) leaves the requests behind it unprocessed (RFC 9112, section 9.6):
 * they are sent again, first and in order, on a new connection. A connection lost with requests
 * unanswered counts their events as failures, since whether the server took them is unknown, and so
 * does a connection that cannot be opened for the events waiting for it.
 *
 * <p>All state but the two counters is touched on the connection's event loop only.
 */
final class PublishConnection {
  private record Sent(PublishRequest request, long sentNanos) {}

  private final Settings settings;
  private final Stats stats;
  private final EventLoop loop;
  private final Bootstrap bootstrap;
  private final int maxInFlight;
  private final String padding;
  private final ArrayDeque<PublishRequest.Event> waiting = new ArrayDeque<>();
  private final ArrayDeque<Sent> unanswered = new ArrayDeque<>();
  private final ArrayDeque<Sent> resend = new ArrayDeque<>();

  /** Events offered and not yet written; read by the publisher to hold back when it is full. */
  private final AtomicInteger waitingCount = new AtomicInteger();

  /** Events offered and not yet answered (or failed): zero when the connection is idle. */
  private final AtomicInteger outstanding = new AtomicInteger();

  private Channel channel;
  private boolean connecting;
  private volatile boolean stopping;

  PublishConnection(Settings settings, Stats stats, EventLoop loop) {
    this.settings = settings;
    this.stats = stats;
    this.loop = loop;
    this.maxInFlight = PublishRequest.pipelines(settings.server()) ? settings.publishInFlight() : 1;
    this.padding = "x".repeat(settings.payload());
    this.bootstrap =
        new Bootstrap()
            .group(loop)
            .channel(NioSocketChannel.class)
            .option(ChannelOption.TCP_NODELAY, true)
            .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 10_000)
            .remoteAddress(
                new InetSocketAddress(
                    settings.publishTo().getHost(), settings.publishTo().getPort()))
            .handler(
                new ChannelInitializer<SocketChannel>() {
                  @Override
                  protected void initChannel(SocketChannel ch) {
                    ch.pipeline()
                        .addLast(
                            new HttpClientCodec(),
                            new HttpObjectAggregator(1 << 20),
                            new Answers());
                  }
                });
  }

  /** Queues events to be published in this order; returns at once. */
  void offer(List<PublishRequest.Event> events) {
    waitingCount.addAndGet(events.size());
    outstanding.addAndGet(events.size());
    loop.execute(
        () -> {
          waiting.addAll(events);
          pump();
        });
  }

  /** Events offered but not yet written. */
  int waiting() {
    return waitingCount.get();
  }

  /** Whether every event offered has been answered or has failed. */
  boolean idle() {
    return outstanding.get() == 0;
  }

  /** Closes the connection; what is still unanswered is left so. */
  void close() {
    stopping = true;
    loop.execute(
        () -> {
          if (channel != null) {
            channel.close();
          }
        });
  }

  /** Writes what waits, as far as the bound allows; connects first when needed. */
  private void pump() {
    if (stopping || (resend.isEmpty() && waiting.isEmpty())) {
      return;
    }
    if (channel == null) {
      connect();
      return;
    }
    while (!resend.isEmpty() && unanswered.size() < maxInFlight) {
      write(resend.poll());
    }
    int slots = maxInFlight - unanswered.size();
    if (slots > 0 && !waiting.isEmpty()) {
      int take =
          (int)
              Math.min(waiting.size(), (long) slots * PublishRequest.maxEvents(settings.server()));
      List<PublishRequest.Event> events = new ArrayList<>(take);
      for (int i = 0; i < take; i++) {
        events.add(waiting.poll());
      }
      waitingCount.addAndGet(-take);
      for (PublishRequest r : PublishRequest.of(settings.server(), events, padding)) {
        write(new Sent(r, System.nanoTime()));
      }
    }
  }

  private void write(Sent sent) {
    unanswered.add(sent);
    PublishRequest r = sent.request();
    FullHttpRequest request =
        new DefaultFullHttpRequest(
            HttpVersion.HTTP_1_1,
            HttpMethod.POST,
            r.path(),
            Unpooled.copiedBuffer(r.body(), StandardCharsets.UTF_8));
    request.headers().set(HttpHeaderNames.HOST, settings.publishTo().getAuthority());
    HttpUtil.setContentLength(request, request.content().readableBytes());
    if (r.contentType() != null) {
      request.headers().set(HttpHeaderNames.CONTENT_TYPE, r.contentType());
    }
    if (!settings.publisherToken().isEmpty()) {
      request.headers().set(HttpHeaderNames.AUTHORIZATION, "Bearer " + settings.publisherToken());
    }
    channel.writeAndFlush(request);
  }

  private void connect() {
    if (connecting) {
      return;
    }
    connecting = true;
    bootstrap
        .connect()
        .addListener(
            (ChannelFuture f) -> {
              connecting = false;
              if (f.isSuccess()) {
                channel = f.channel();
                pump();
              } else {
                // as when the wait mode's request cannot connect: what waits has failed, and the
                // next events offered try again
                stats.error("publish connect: " + f.cause().getClass().getSimpleName());
                int failed = waiting.size();
                for (Sent s : resend) {
                  failed += s.request().events();
                }
                waitingCount.addAndGet(-waiting.size());
                waiting.clear();
                resend.clear();
                stats.publishFailures.add(failed);
                outstanding.addAndGet(-failed);
              }
            });
  }

  private final class Answers extends SimpleChannelInboundHandler<FullHttpResponse> {
    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpResponse response) {
      if (ctx.channel() != channel || unanswered.isEmpty()) {
        stats.error("publish: an answer to no request");
        return;
      }
      Sent sent = unanswered.poll();
      stats.publishAnswer.recordValue((System.nanoTime() - sent.sentNanos()) / 1000);
      int events = sent.request().events();
      if (sent.request().accepted(response.status().code())) {
        stats.published.add(events);
      } else {
        stats.publishFailures.add(events);
        stats.error("publish status " + response.status().code());
      }
      outstanding.addAndGet(-events);
      if (!HttpUtil.isKeepAlive(response)) {
        // the requests written after this one were not processed: first on the next connection
        while (!unanswered.isEmpty()) {
          resend.addFirst(unanswered.pollLast());
        }
        channel = null;
        ctx.close();
      }
      pump();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
      if (ctx.channel() != channel) {
        return;
      }
      channel = null;
      if (!unanswered.isEmpty()) {
        stats.error("publish: connection lost with requests unanswered");
      }
      for (Sent lost : unanswered) {
        stats.publishFailures.add(lost.request().events());
        outstanding.addAndGet(-lost.request().events());
      }
      unanswered.clear();
      pump();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      stats.error("publish: " + cause.getClass().getSimpleName());
      ctx.close();
    }
  }
}
