package dev.crier.node;

import com.typesafe.config.Config;
import dev.crier.node.auth.AuthCounters;
import dev.crier.node.auth.AuthSettings;
import dev.crier.node.auth.Authenticator;
import dev.crier.node.auth.Revocations;
import dev.crier.node.auth.RevokedTokens;
import dev.crier.node.auth.TokenAdmin;
import dev.crier.node.auth.TokenMinter;
import dev.crier.node.channel.ChannelRoutes;
import dev.crier.node.channel.ChannelSettings;
import dev.crier.node.channel.Channels;
import dev.crier.node.http.Access;
import dev.crier.node.http.CorsSettings;
import dev.crier.node.http.ResponseCounters;
import dev.crier.node.limits.LimitSettings;
import dev.crier.node.limits.Limits;
import dev.crier.node.management.NodeLifecycle;
import dev.crier.node.publish.EventRequests;
import dev.crier.node.publish.PublishRoutes;
import dev.crier.node.publish.PublishSettings;
import dev.crier.node.publish.Publisher;
import dev.crier.node.subscribe.Connections;
import dev.crier.node.subscribe.SubscribeRoutes;
import dev.crier.node.subscribe.SubscribeSettings;
import dev.crier.node.topic.HistorySettings;
import dev.crier.node.websocket.WebSocketRoutes;
import dev.crier.node.websocket.WebSocketSettings;
import java.time.Clock;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.http.javadsl.server.Route;

/**
 * The services clients meet, wired over the event path: authentication and token revocation,
 * limits, the {@link Publisher} (shared with the bridge's ingest), the subscriber {@link
 * Connections} (SSE and WebSocket), the sharded {@link Channels}, and the public routes that adapt
 * them to HTTP.
 *
 * @param tokens what the admin token routes mint and revoke with
 */
record Edge(
    AuthSettings auth,
    SubscribeSettings subscribe,
    Access access,
    Limits limits,
    Publisher publisher,
    Connections connections,
    Channels channels,
    Route routes,
    TokenAdmin tokens,
    ResponseCounters responses,
    AuthCounters authCounters,
    RevokedTokens revoked) {

  static Edge start(
      ActorContext<Void> context, Config config, EventPath events, NodeLifecycle lifecycle) {
    ActorSystem<Void> system = context.getSystem();
    AuthSettings auth = AuthSettings.create(config);
    SubscribeSettings subscribe = SubscribeSettings.create(config);
    if (subscribe.bufferSize() < subscribe.configuredBufferSize()) {
      context
          .getLog()
          .warn(
              "crier.subscribe.buffer-size {} lowered to {}, half of crier.history.max-events, so"
                  + " that a subscriber cut off for lagging can resume without loss",
              subscribe.configuredBufferSize(),
              subscribe.bufferSize());
    }
    PublishSettings publish = PublishSettings.create(config);
    int historyEvents = HistorySettings.create(config).maxEvents();

    ResponseCounters responses = new ResponseCounters();
    AuthCounters authCounters = new AuthCounters();
    RevokedTokens revoked = new RevokedTokens();
    ActorRef<Revocations.Command> revocations =
        context.spawn(
            Revocations.create(
                revoked,
                auth.revocationWriteTimeout(),
                auth.revocationPruneInterval(),
                auth.leeway(),
                Clock.systemUTC()),
            "revocations");
    Access access =
        new Access(
            Authenticator.create(auth, system, revoked, authCounters),
            auth.adminSecret(),
            responses);
    TokenAdmin tokens =
        new TokenAdmin(
            auth.signing() == null ? null : new TokenMinter(auth.signing()),
            auth,
            revocations,
            system.scheduler(),
            Clock.systemUTC());

    Limits limits = new Limits(LimitSettings.create(config));
    Publisher publisher = new Publisher(publish, limits, events.owners(), Clock.systemUTC());
    Connections connections =
        new Connections(
            subscribe,
            publish.timeout(),
            events.hubs(),
            lifecycle,
            limits,
            system.classicSystem().scheduler(),
            system.executionContext());
    revoked.onRevoked(connections::endStreamsOf);
    Channels channels = Channels.init(system, ChannelSettings.create(config), Clock.systemUTC());
    Route routes =
        new SubscribeRoutes(subscribe, historyEvents, access, connections)
            .route()
            .orElse(
                WebSocketRoutes.create(
                    WebSocketSettings.create(config),
                    subscribe,
                    historyEvents,
                    access,
                    connections,
                    publisher,
                    new EventRequests(publish, Clock.systemUTC()),
                    CorsSettings.create(config),
                    system))
            .orElse(
                new PublishRoutes(
                        publish,
                        historyEvents,
                        access,
                        events.owners(),
                        publisher,
                        Clock.systemUTC())
                    .route())
            .orElse(
                new ChannelRoutes(channels, access, limits, connections, Clock.systemUTC())
                    .route());
    return new Edge(
        auth,
        subscribe,
        access,
        limits,
        publisher,
        connections,
        channels,
        routes,
        tokens,
        responses,
        authCounters,
        revoked);
  }
}
