import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.Iterator;

/**
 * Opens many idle SSE connections to one node and holds them: a quick capacity check, not the
 * load generator. One thread, non-blocking sockets, source addresses 127.0.0.2… so that the
 * ephemeral ports of one address are not the limit.
 *
 * <pre>java ops/tools/IdleSse.java HOST PORT TOKEN CONNECTIONS HOLD_SECONDS [TOPICS]</pre>
 *
 * Prints how many streams answered 200 and stayed open, and every failure by kind.
 */
public final class IdleSse {
  private static final int PER_SOURCE_ADDRESS = 20_000;

  public static void main(String[] args) throws Exception {
    String host = args[0];
    int port = Integer.parseInt(args[1]);
    String token = args[2];
    int connections = Integer.parseInt(args[3]);
    long holdMillis = Long.parseLong(args[4]) * 1000;
    int topics = args.length > 5 ? Integer.parseInt(args[5]) : 100;

    Selector selector = Selector.open();
    long start = System.nanoTime();
    int opened = 0;
    int ok = 0;
    int refused = 0;
    int notOk = 0;
    int closed = 0;
    ByteBuffer buffer = ByteBuffer.allocate(16 * 1024);
    long deadline = Long.MAX_VALUE;
    while (System.nanoTime() < deadline) {
      while (opened < connections && opened - ok - refused - notOk < 500) {
        SocketChannel ch = SocketChannel.open();
        ch.configureBlocking(false);
        ch.setOption(StandardSocketOptions.SO_REUSEADDR, true);
        ch.bind(new InetSocketAddress("127.0.0." + (2 + opened / PER_SOURCE_ADDRESS), 0));
        ch.connect(new InetSocketAddress(host, port));
        String request =
            "GET /events/idle-" + (opened % topics) + " HTTP/1.1\r\nHost: " + host
                + "\r\nAuthorization: Bearer " + token + "\r\nAccept: text/event-stream\r\n\r\n";
        ch.register(selector, SelectionKey.OP_CONNECT, new State(request));
        opened++;
      }
      selector.select(100);
      Iterator<SelectionKey> it = selector.selectedKeys().iterator();
      while (it.hasNext()) {
        SelectionKey key = it.next();
        it.remove();
        SocketChannel ch = (SocketChannel) key.channel();
        State state = (State) key.attachment();
        try {
          if (key.isConnectable()) {
            ch.finishConnect();
            ch.write(ByteBuffer.wrap(state.request.getBytes(StandardCharsets.US_ASCII)));
            key.interestOps(SelectionKey.OP_READ);
          } else if (key.isReadable()) {
            buffer.clear();
            int n = ch.read(buffer);
            if (n < 0) {
              closed++;
              key.cancel();
              ch.close();
            } else if (!state.answered) {
              state.answered = true;
              String head = new String(buffer.array(), 0, Math.min(n, 12), StandardCharsets.US_ASCII);
              if (head.startsWith("HTTP/1.1 200")) {
                ok++;
              } else {
                notOk++;
              }
            }
          }
        } catch (IOException e) {
          refused++;
          key.cancel();
          ch.close();
        }
      }
      if (deadline == Long.MAX_VALUE && ok + refused + notOk >= connections) {
        double seconds = (System.nanoTime() - start) / 1e9;
        System.out.printf(
            "connected %d streams (200) in %.1f s (%.0f/s); refused %d, non-200 %d%n",
            ok, seconds, ok / seconds, refused, notOk);
        deadline = System.nanoTime() + holdMillis * 1_000_000;
      }
    }
    System.out.printf("after holding: %d of %d streams still open, %d closed by the server%n",
        ok - closed, ok, closed);
  }

  private static final class State {
    final String request;
    boolean answered;

    State(String request) {
      this.request = request;
    }
  }
}
