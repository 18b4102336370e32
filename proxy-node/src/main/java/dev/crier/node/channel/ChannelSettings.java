package dev.crier.node.channel;

import com.typesafe.config.Config;
import dev.crier.node.topic.HistoryStoreSettings;
import java.time.Duration;
import java.util.Locale;

/**
 * Channels' buffers, lifetimes and creation rules, read once from {@code crier.channels} (and the
 * store from {@code crier.history}).
 *
 * @param buffer messages a channel holds that no reader has been handed yet; a write beyond waits
 * @param resendWindow messages handed to a reader that are kept until it resumes past them, so that
 *     a reader whose connection drops gets them again
 * @param writeTimeout how long a write waits for room in a full buffer before it is refused
 * @param waitingWrites writes that may wait for room at once; one more is refused at once
 * @param ttl a channel not read for this long (since it was created, if never) is deleted
 * @param maxMessageBytes the largest message body ({@code crier.publish.max-bytes})
 * @param tokenRequired whether creating a channel needs a token with the {@code crier.channels}
 *     claim ({@code create = token}) or anyone may ({@code create = open})
 * @param createRate channels one client (token subject, else address) may create per second
 * @param createBurst channels it may create at once
 * @param heartbeat how long a reader with nothing to read waits before it gets a heartbeat comment
 *     ({@code crier.subscribe.heartbeat})
 * @param retry the reconnection delay a reader is told ({@code crier.subscribe.retry})
 * @param bodyTimeout how long a write's body may take to arrive ({@code crier.publish.timeout})
 * @param shards the shards channels are spread over (sharding's unit of placement), the same on
 *     every node
 * @param store the journal channels are kept in, the topics' own
 */
public record ChannelSettings(
    int buffer,
    int resendWindow,
    Duration writeTimeout,
    int waitingWrites,
    Duration ttl,
    int maxMessageBytes,
    boolean tokenRequired,
    double createRate,
    int createBurst,
    Duration heartbeat,
    Duration retry,
    Duration bodyTimeout,
    int shards,
    HistoryStoreSettings store) {

  public ChannelSettings {
    positive("buffer", buffer);
    positive("resend-window", resendWindow);
    positive("waiting-writes", waitingWrites);
    positive("create-burst", createBurst);
    positive("shards", shards);
    if (writeTimeout.isNegative()) {
      throw new IllegalArgumentException("crier.channels.write-timeout must not be negative");
    }
    if (ttl.isNegative() || ttl.isZero()) {
      throw new IllegalArgumentException("crier.channels.ttl must be positive");
    }
    if (createRate < 0) {
      throw new IllegalArgumentException("crier.channels.create-rate must not be negative");
    }
  }

  public static ChannelSettings create(Config root) {
    Config c = root.getConfig("crier.channels");
    String create = c.getString("create").toLowerCase(Locale.ROOT);
    if (!create.equals("token") && !create.equals("open")) {
      throw new IllegalArgumentException(
          "crier.channels.create must be token or open, was " + c.getString("create"));
    }
    return new ChannelSettings(
        c.getInt("buffer"),
        c.getInt("resend-window"),
        c.getDuration("write-timeout"),
        c.getInt("waiting-writes"),
        c.getDuration("ttl"),
        (int) Math.min(Integer.MAX_VALUE, root.getBytes("crier.publish.max-bytes")),
        create.equals("token"),
        c.getDouble("create-rate"),
        c.getInt("create-burst"),
        root.getDuration("crier.subscribe.heartbeat"),
        root.getDuration("crier.subscribe.retry"),
        root.getDuration("crier.publish.timeout"),
        c.getInt("shards"),
        HistoryStoreSettings.create(root));
  }

  private static void positive(String key, int value) {
    if (value < 1) {
      throw new IllegalArgumentException("crier.channels." + key + " must be >= 1, was " + value);
    }
  }
}
