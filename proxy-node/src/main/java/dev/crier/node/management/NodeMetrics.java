package dev.crier.node.management;

import dev.crier.node.auth.AuthCounters;
import dev.crier.node.auth.RevokedTokens;
import dev.crier.node.bridge.BridgeCounters;
import dev.crier.node.channel.ChannelCounters;
import dev.crier.node.http.ResponseCounters;
import dev.crier.node.limits.Limits;
import dev.crier.node.subscribe.Connections;
import dev.crier.node.subscribe.Transport;
import dev.crier.node.topic.FanoutCounters;
import dev.crier.node.topic.HistoryCounters;
import io.prometheus.metrics.config.EscapingScheme;
import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.instrumentation.jvm.JvmMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import java.util.function.ToDoubleFunction;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.cluster.Member;
import org.apache.pekko.cluster.typed.Cluster;

/**
 * The node's Prometheus metrics, in the text format for {@code GET /metrics}. Every figure is read
 * at scrape time from counters the node keeps anyway, so metrics cost nothing on the event path. No
 * label carries a topic (unbounded cardinality); bridge figures are labelled by peer node.
 */
public final class NodeMetrics {
  private final PrometheusRegistry registry = new PrometheusRegistry();
  private final PrometheusTextFormatWriter writer = PrometheusTextFormatWriter.create();

  public NodeMetrics(
      ActorSystem<?> system,
      Connections subscribe,
      FanoutCounters fanout,
      BridgeCounters bridge,
      ResponseCounters responses,
      Limits limits,
      AuthCounters auth,
      RevokedTokens revoked,
      HistoryCounters history,
      ChannelCounters channels) {
    JvmMetrics.builder().register(registry);
    registry.register(fanout.deliveryLatency());
    GaugeWithCallback.builder()
        .name("crier_history_events")
        .help("Events kept in the histories of the topics this node owns (resume, replay).")
        .callback(cb -> cb.call(history.retainedEvents()))
        .register(registry);
    authMetrics(auth, revoked);
    channelMetrics(channels);
    GaugeWithCallback.builder()
        .name("crier_sse_connections")
        .help("Open subscriber connections, by transport (sse, ws).")
        .labelNames("transport")
        .callback(
            cb -> {
              for (Transport t : Transport.values()) {
                cb.call(subscribe.counts().open(t), t.label());
              }
            })
        .register(registry);
    CounterWithCallback.builder()
        .name("crier_sse_connections_opened")
        .help("Subscriber connections opened, by transport (sse, ws).")
        .labelNames("transport")
        .callback(
            cb -> {
              for (Transport t : Transport.values()) {
                cb.call(subscribe.counts().opened(t), t.label());
              }
            })
        .register(registry);
    counter(
        "crier_sse_slow_consumer_disconnects",
        "Subscribers cut off because their buffer overflowed.",
        fanout::slowConsumerCuts);
    GaugeWithCallback.builder()
        .name("crier_topics_with_local_subscribers")
        .help("Topics with at least one subscriber on this node.")
        .callback(cb -> cb.call(fanout.topics()))
        .register(registry);
    counter(
        "crier_events_sequenced",
        "Events sequenced by the topic owners on this node.",
        bridge::sequenced);
    CounterWithCallback.builder()
        .name("crier_sse_disconnects")
        .help(
            "Subscriber connections closed, by transport (sse, ws) and reason (client_gone,"
                + " slow_consumer, drained, replaced, revoked, failed).")
        .labelNames("transport", "reason")
        .callback(
            cb -> {
              for (Transport t : Transport.values()) {
                subscribe
                    .counts()
                    .disconnects(t)
                    .forEach((reason, n) -> cb.call(n, t.label(), reason));
              }
            })
        .register(registry);
    byLabel(
        "crier_sse_refused",
        "SSE subscriptions refused by the node, by reason (starting, draining, at_capacity,"
            + " owner_unavailable); per-client limits count theirs in crier_limit_rejects.",
        "reason",
        subscribe.counts()::refused);
    counter(
        "crier_subscribes_served_by_hub",
        "Subscriptions brought up to date by this node's topic hub from its latest events, without"
            + " reading history from the topic's owner.",
        fanout::servedByHub);
    counter(
        "crier_events_delivered",
        "Events handed to local subscriber streams.",
        fanout::eventsDelivered);
    perPeer(
        bridge,
        "crier_bridge_frames",
        "Bridge frames sent to a peer.",
        BridgeCounters.Peer::frames);
    perPeer(
        bridge,
        "crier_bridge_sent_bytes",
        "Bridge bytes sent to a peer.",
        BridgeCounters.Peer::bytes);
    perPeer(
        bridge,
        "crier_bridge_drops",
        "Events not queued for a peer because its link was full (recovered from history).",
        BridgeCounters.Peer::drops);
    perPeer(
        bridge,
        "crier_bridge_reconnects",
        "Bridge links dialled again.",
        BridgeCounters.Peer::reconnects);
    perPeer(
        bridge,
        "crier_bridge_via_artery",
        "Events sent over Artery because no bridge link to the peer was up.",
        BridgeCounters.Peer::viaArtery);
    counter(
        "crier_bridge_received_frames",
        "Bridge frames received from peers.",
        bridge::inboundFrames);
    counter(
        "crier_bridge_received_bytes", "Bridge bytes received from peers.", bridge::inboundBytes);
    byLabel(
        "crier_bridge_ingest_events",
        "Events pushed in by NNG peers, by result.",
        "result",
        () -> {
          Map<String, Long> results = new HashMap<>(bridge.ingestRejected());
          results.put("accepted", bridge.ingestAccepted());
          return results;
        });
    byLabel(
        "crier_bridge_refused_connections",
        "Bridge connections closed at the handshake or for a protocol error, by reason.",
        "reason",
        bridge::refused);
    GaugeWithCallback.builder()
        .name("crier_bridge_tap_subscribers")
        .help("NNG sub0 peers on the tap.")
        .callback(cb -> cb.call(bridge.tapSubscribers()))
        .register(registry);
    counter("crier_bridge_tap_frames", "Events offered to the tap.", bridge::tapFrames);
    counter(
        "crier_bridge_tap_drops", "Tap messages dropped for slow subscribers.", bridge::tapDrops);
    byLabel(
        "crier_http_responses",
        "Responses of the public HTTP listener, by status code.",
        "code",
        responses::byStatus);
    counter(
        "crier_auth_failures",
        "Requests refused for a missing, malformed, expired or badly signed token.",
        responses::authFailures);
    counter(
        "crier_http_header_timeouts",
        "Connections closed because their first request did not arrive whole within"
            + " crier.http.header-timeout.",
        responses::headerTimeouts);
    byLabel(
        "crier_limit_rejects",
        "Requests refused by a limit, by limit (429; 503 for heap_guard).",
        "limit",
        limits::rejects);
    GaugeWithCallback.builder()
        .name("crier_heap_guard_refusing")
        .help(
            "1 while new SSE subscribers are refused because the heap used after the last GC is"
                + " above crier.limits.heap-guard, else 0.")
        .callback(cb -> cb.call(limits.heapGuardRefusing() ? 1 : 0))
        .register(registry);
    Cluster cluster = Cluster.get(system);
    GaugeWithCallback.builder()
        .name("crier_cluster_members")
        .help("Cluster members as this node sees them, by status.")
        .labelNames("status")
        .callback(
            cb -> {
              Map<String, Integer> byStatus = new HashMap<>();
              for (Member m : cluster.state().getMembers()) {
                byStatus.merge(m.status().toString(), 1, Integer::sum);
              }
              byStatus.forEach((status, n) -> cb.call(n, status));
            })
        .register(registry);
  }

  private void authMetrics(AuthCounters auth, RevokedTokens revoked) {
    CounterWithCallback.builder()
        .name("crier_auth_verifications")
        .help(
            "Requests whose credentials were checked, by the verifier that decided (jwt, webhook,"
                + " anonymous, none) and the result (granted, refused, revoked, unavailable).")
        .labelNames("verifier", "result")
        .callback(
            cb ->
                auth.verifications()
                    .forEach((outcome, n) -> cb.call(n, outcome.verifier(), outcome.result())))
        .register(registry);
    counter(
        "crier_auth_jwt_cache_hits",
        "Requests whose JWT was answered from the cache of verified tokens (signature not checked"
            + " again).",
        auth::jwtCacheHits);
    byLabel(
        "crier_auth_webhook_calls",
        "Calls to the auth webhook, by result (granted, refused, failed, breaker_open).",
        "result",
        auth::webhookCalls);
    counter(
        "crier_auth_webhook_cache_hits",
        "Requests answered from a cached auth webhook answer.",
        auth::webhookCacheHits);
    counter(
        "crier_auth_webhook_stale_grants",
        "Requests granted from an older webhook answer while the webhook was out (allow-cached).",
        auth::webhookStaleGrants);
    GaugeWithCallback.builder()
        .name("crier_auth_webhook_breaker_state")
        .help(
            "The auth webhook's circuit breaker: 1 for its current state (closed, open, half_open).")
        .labelNames("state")
        .callback(
            cb -> {
              String current = auth.webhookBreakerState();
              if (!current.isEmpty()) {
                for (String state : List.of("closed", "open", "half_open")) {
                  cb.call(state.equals(current) ? 1 : 0, state);
                }
              }
            })
        .register(registry);
    GaugeWithCallback.builder()
        .name("crier_auth_revoked_tokens")
        .help("Revoked token ids held cluster-wide (until their tokens expire).")
        .callback(cb -> cb.call(revoked.size()))
        .register(registry);
  }

  private void channelMetrics(ChannelCounters channels) {
    GaugeWithCallback.builder()
        .name("crier_channels_open")
        .help("Channels held by this node (open, in memory).")
        .callback(cb -> cb.call(channels.open()))
        .register(registry);
    GaugeWithCallback.builder()
        .name("crier_channel_messages_buffered")
        .help(
            "Messages held by this node's channels (not yet read, or read and not yet resumed past).")
        .callback(cb -> cb.call(channels.buffered()))
        .register(registry);
    GaugeWithCallback.builder()
        .name("crier_channel_writes_waiting")
        .help("Channel writes waiting for room in a full buffer on this node.")
        .callback(cb -> cb.call(channels.waitingWrites()))
        .register(registry);
    counter("crier_channels_created", "Channels created on this node.", channels::createdTotal);
    counter(
        "crier_channels_expired",
        "Channels deleted for not being read within crier.channels.ttl.",
        channels::expiredTotal);
    CounterWithCallback.builder()
        .name("crier_channel_writes_refused")
        .help(
            "Channel writes refused, by reason (full: the buffer stayed full; unknown: the address"
                + " opens no channel).")
        .labelNames("reason")
        .callback(
            cb -> {
              cb.call(channels.refusedFullTotal(), "full");
              cb.call(channels.refusedUnknownTotal(), "unknown");
            })
        .register(registry);
  }

  private void counter(String name, String help, java.util.function.LongSupplier value) {
    CounterWithCallback.builder()
        .name(name)
        .help(help)
        .callback(cb -> cb.call(value.getAsLong()))
        .register(registry);
  }

  /** A counter with one label, read from a map of label value → count at scrape time. */
  private void byLabel(
      String name, String help, String label, Supplier<? extends Map<?, Long>> counts) {
    CounterWithCallback.builder()
        .name(name)
        .help(help)
        .labelNames(label)
        .callback(cb -> counts.get().forEach((value, n) -> cb.call(n, value.toString())))
        .register(registry);
  }

  private void perPeer(
      BridgeCounters bridge,
      String name,
      String help,
      ToDoubleFunction<BridgeCounters.Peer> value) {
    CounterWithCallback.builder()
        .name(name)
        .help(help)
        .labelNames("peer")
        .callback(cb -> bridge.peers().forEach((peer, c) -> cb.call(value.applyAsDouble(c), peer)))
        .register(registry);
  }

  /** Every metric in the Prometheus text exposition format (version 0.0.4). */
  public byte[] scrape() {
    ByteArrayOutputStream out = new ByteArrayOutputStream(16 * 1024);
    try {
      writer.write(out, registry.scrape(), EscapingScheme.UNDERSCORE_ESCAPING);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }
}
