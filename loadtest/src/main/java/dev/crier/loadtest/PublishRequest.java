package dev.crier.loadtest;

import java.util.ArrayList;
import java.util.List;

/**
 * One publish call as the server under test takes it: Crier a {@code POST /publish} batch, Pushpin
 * one GRIP publish call with an item per event, Nchan a {@code POST /pub/{channel}} per event (it
 * has no batch), Crier's channels a {@code POST /channels/{producer}/s} per event. Each event's
 * data is {@code "<seq> <epoch-micros> <padding>"}, stamped when the request is built, which is
 * when it is sent.
 *
 * @param path the request's path on the publish URL
 * @param contentType the body's media type, or null for none
 * @param body the request body
 * @param events how many events the request carries
 */
record PublishRequest(Server server, String path, String contentType, String body, int events) {
  /** The server's default {@code crier.publish.max-batch-events}; a batch never exceeds it. */
  static final int MAX_BATCH = 1000;

  /** One event of a topic's sequence, numbered from 1 per topic. */
  record Event(String topic, long seq) {}

  /** The requests that publish {@code events} to {@code server}, in order. */
  static List<PublishRequest> of(Server server, List<Event> events, String padding) {
    String stamp = " " + Clock.micros() + " " + padding;
    return switch (server) {
      case CRIER -> List.of(crier(events, stamp));
      case PUSHPIN -> List.of(pushpin(events, stamp));
      case NCHAN -> nchan(events, stamp);
      case CRIER_CHANNELS -> channels(events, stamp);
    };
  }

  /** The most events one request to {@code server} carries. */
  static int maxEvents(Server server) {
    return server.onePerRequest() ? 1 : MAX_BATCH;
  }

  /**
   * Whether the server reads a connection's requests pipelined (sent before the previous is
   * answered). Pushpin's publish API does not: it takes the next request's bytes for an overlong
   * body, answers 400 ("Request body exceeded Content-Length") and closes.
   */
  static boolean pipelines(Server server) {
    return server != Server.PUSHPIN;
  }

  /** Whether the server took the request's events, by the status it answered. */
  boolean accepted(int status) {
    return switch (server) {
      case CRIER, CRIER_CHANNELS -> status == 201;
      case PUSHPIN -> status == 200;
      case NCHAN -> status == 201 || status == 202;
    };
  }

  private static PublishRequest crier(List<Event> events, String stamp) {
    StringBuilder body = new StringBuilder("[");
    for (Event e : events) {
      body.append(body.length() > 1 ? "," : "")
          .append("{\"topic\":\"")
          .append(e.topic())
          .append("\",\"data\":\"")
          .append(e.seq())
          .append(stamp)
          .append("\"}");
    }
    return new PublishRequest(
        Server.CRIER, "/publish", "application/json", body.append(']').toString(), events.size());
  }

  /** GRIP publish: every item is an SSE frame for the channel named like the topic. */
  private static PublishRequest pushpin(List<Event> events, String stamp) {
    StringBuilder body = new StringBuilder("{\"items\":[");
    boolean first = true;
    for (Event e : events) {
      body.append(first ? "" : ",")
          .append("{\"channel\":\"")
          .append(e.topic())
          .append("\",\"formats\":{\"http-stream\":{\"content\":\"data: ")
          .append(e.seq())
          .append(stamp)
          .append("\\n\\n\"}}}");
      first = false;
    }
    return new PublishRequest(
        Server.PUSHPIN,
        "/publish/",
        "application/json",
        body.append("]}").toString(),
        events.size());
  }

  private static List<PublishRequest> nchan(List<Event> events, String stamp) {
    List<PublishRequest> out = new ArrayList<>(events.size());
    for (Event e : events) {
      out.add(new PublishRequest(Server.NCHAN, "/pub/" + e.topic(), null, e.seq() + stamp, 1));
    }
    return out;
  }

  private static List<PublishRequest> channels(List<Event> events, String stamp) {
    List<PublishRequest> out = new ArrayList<>(events.size());
    for (Event e : events) {
      out.add(
          new PublishRequest(
              Server.CRIER_CHANNELS,
              "/channels/" + ChannelAddresses.producer(e.topic()) + "/s",
              null,
              e.seq() + stamp,
              1));
    }
    return out;
  }
}
