package dev.crier.node.bridge;

import com.typesafe.config.Config;
import java.net.InetAddress;
import java.time.Duration;
import java.util.List;

/**
 * The {@code crier.bridge} settings, read once.
 *
 * @param bindInterface where the SP listener binds; empty means every interface, with the remoting
 *     host as the address other nodes dial
 * @param port the SP listener's port; 0 picks a free one
 * @param maxMessageBytes a received message longer than this closes its connection
 * @param sendQueue messages waiting per peer link; beyond it, messages are dropped and counted
 * @param handshakeTimeout how long a connection may take to send its SP header
 * @param ingestAllow who may push events in over push0
 * @param tapAllow who may subscribe to the pub0 tap
 * @param tapBuffer messages waiting per tap subscriber; beyond it the oldest are dropped
 */
public record BridgeSettings(
    String bindInterface,
    int port,
    int maxMessageBytes,
    int sendQueue,
    Duration reconnectMinBackoff,
    Duration reconnectMaxBackoff,
    Duration handshakeTimeout,
    boolean ingestEnabled,
    List<AddressRange> ingestAllow,
    int ingestParallelism,
    boolean tapEnabled,
    List<AddressRange> tapAllow,
    int tapBuffer) {

  public static BridgeSettings create(Config config) {
    Config c = config.getConfig("crier.bridge");
    return new BridgeSettings(
        c.getString("interface"),
        c.getInt("port"),
        (int) Math.min(Integer.MAX_VALUE, c.getBytes("max-message-bytes")),
        c.getInt("send-queue"),
        c.getDuration("reconnect.min-backoff"),
        c.getDuration("reconnect.max-backoff"),
        c.getDuration("handshake-timeout"),
        c.getBoolean("ingest.enabled"),
        c.getStringList("ingest.allow").stream().map(AddressRange::parse).toList(),
        c.getInt("ingest.parallelism"),
        c.getBoolean("tap.enabled"),
        c.getStringList("tap.allow").stream().map(AddressRange::parse).toList(),
        c.getInt("tap.buffer"));
  }

  /** The address to bind: the configured interface, or every interface. */
  public String bindHost() {
    return bindInterface.isEmpty() ? "0.0.0.0" : bindInterface;
  }

  static boolean allowed(List<AddressRange> ranges, InetAddress address) {
    return ranges.stream().anyMatch(r -> r.contains(address));
  }
}
