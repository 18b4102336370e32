package dev.crier.node.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.PlainJWT;
import com.nimbusds.jwt.SignedJWT;
import dev.crier.node.support.Http;
import dev.crier.node.support.SseClient;
import dev.crier.node.support.TestNode;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * A table of attacks, each a real HTTP request against a real node, each with the exact status,
 * error code and {@code WWW-Authenticate} challenge it must get. Every forged, expired or confused
 * token is tried on every entry point that takes a credential; afterwards nothing may have been
 * published to, or delivered on, the attacked topics.
 */
class AuthAttackTest {
  private static final String ISSUER = "crier-test";
  private static final String AUDIENCE = "crier";
  private static final Duration LEEWAY = Duration.ofSeconds(5);
  private static final byte[] SECRET = TestNode.SECRET.getBytes(StandardCharsets.UTF_8);
  private static final HttpClient CLIENT = HttpClient.newHttpClient();
  private static final ObjectMapper JSON = new ObjectMapper();

  /** RFC 6750 3.1: no error code when no token came, {@code invalid_token} when one was refused. */
  private static final String NO_TOKEN = "Bearer realm=\"crier\"";

  private static final String INVALID_TOKEN = "Bearer realm=\"crier\", error=\"invalid_token\"";

  /** What a request got: its status, JSON error code (null if none) and challenge. */
  private record Reply(int status, String code, Optional<String> challenge) {
    static Reply refused() {
      return new Reply(401, "unauthorized", Optional.of(INVALID_TOKEN));
    }

    static Reply forbidden() {
      return new Reply(403, "forbidden", Optional.empty());
    }

    static Reply accepted(int status) {
      return new Reply(status, null, Optional.empty());
    }
  }

  /** Makes a token when the request is sent, so that time-bound tokens are exactly as old. */
  @FunctionalInterface
  private interface TokenSource {
    String mint() throws Exception;
  }

  /** Every place a credential is read, and the answer a good one gets there. */
  private enum EntryPoint {
    PUBLISH_PATH(201),
    PUBLISH_JSON(201),
    SUBSCRIBE_HEADER(200),
    SUBSCRIBE_QUERY(200),
    SUBSCRIBE_COOKIE(200);

    final int granted;

    EntryPoint(int granted) {
      this.granted = granted;
    }

    HttpRequest request(TestNode node, String topic, String token) {
      HttpRequest.Builder b =
          switch (this) {
            case PUBLISH_PATH ->
                bearer(
                    HttpRequest.newBuilder(node.http("/topics/" + topic + "/events"))
                        .POST(HttpRequest.BodyPublishers.ofString("x")),
                    token);
            case PUBLISH_JSON ->
                bearer(
                    HttpRequest.newBuilder(node.http("/publish"))
                        .header("Content-Type", "application/json")
                        .POST(
                            HttpRequest.BodyPublishers.ofString(
                                "{\"topic\":\"" + topic + "\",\"data\":\"x\"}")),
                    token);
            case SUBSCRIBE_HEADER ->
                bearer(HttpRequest.newBuilder(node.http("/events/" + topic)), token);
            case SUBSCRIBE_QUERY ->
                HttpRequest.newBuilder(
                    node.http(
                        "/events/"
                            + topic
                            + (token == null
                                ? ""
                                : "?access_token="
                                    + URLEncoder.encode(token, StandardCharsets.UTF_8))));
            case SUBSCRIBE_COOKIE -> {
              HttpRequest.Builder get = HttpRequest.newBuilder(node.http("/events/" + topic));
              yield token == null ? get : get.header("Cookie", "crier_token=" + token);
            }
          };
      return b.build();
    }
  }

  /** A token tried on every entry point, and what each must answer. */
  private record Row(
      String name, String topic, TokenSource token, Function<EntryPoint, Reply> expected) {}

  /** One request that is not about the token alone (topics, sizes, precedence). */
  private record Attack(String name, Function<TestNode, HttpRequest> request, Reply expected) {}

  private static HttpRequest.Builder bearer(HttpRequest.Builder b, String token) {
    return token == null ? b : b.header("Authorization", "Bearer " + token);
  }

  private static JWTClaimsSet.Builder claims(List<String> grants) {
    return new JWTClaimsSet.Builder()
        .subject("mallory")
        .issuer(ISSUER)
        .audience(AUDIENCE)
        .expirationTime(new Date(System.currentTimeMillis() + 60_000))
        .claim("crier.subscribe", grants)
        .claim("crier.publish", grants);
  }

  private static String hs256(JWTClaimsSet claims, byte[] secret, String kid) throws Exception {
    SignedJWT jwt =
        new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.HS256).keyID(kid).build(), claims);
    jwt.sign(new MACSigner(secret));
    return jwt.serialize();
  }

  private static String rs256(JWTClaimsSet claims, RSAKey key, String kid) throws Exception {
    SignedJWT jwt =
        new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID(kid).build(), claims);
    jwt.sign(new RSASSASigner(key));
    return jwt.serialize();
  }

  private static String valid(List<String> grants) throws Exception {
    return hs256(claims(grants).build(), SECRET, "hs");
  }

  /**
   * A date in whole seconds (as JWTs carry them) {@code offset} away from now, rounded so that it
   * lies at least {@code offset} away and less than a second further.
   */
  private static Date secondsFromNow(Duration offset, boolean roundUp) {
    long at = System.currentTimeMillis() + offset.toMillis();
    long seconds = Math.floorDiv(at, 1000) + (roundUp && at % 1000 != 0 ? 1 : 0);
    return new Date(seconds * 1000);
  }

  private static String b64(String json) {
    return Base64.getUrlEncoder()
        .withoutPadding()
        .encodeToString(json.getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void everyAttackGetsItsExactAnswerOnEveryEntryPointAndNothingLeaks() throws Exception {
    RSAKey rsa = new RSAKeyGenerator(2048).keyID("rsa").generate();
    RSAKey otherRsa = new RSAKeyGenerator(2048).keyID("rsa").generate();
    String publicPem =
        "-----BEGIN PUBLIC KEY-----\n"
            + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                .encodeToString(rsa.toRSAPublicKey().getEncoded())
            + "\n-----END PUBLIC KEY-----\n";
    String all = valid(List.of("*"));
    String ordersOnly = valid(List.of("orders/*"));
    String good = valid(List.of("victim"));
    String elsewhere = valid(List.of("elsewhere"));
    String revoked = hs256(claims(List.of("victim")).jwtID("revoked-jti").build(), SECRET, "hs");
    String admin = hs256(claims(List.of()).claim("crier.admin", true).build(), SECRET, "hs");
    String[] parts = good.split("\\.");
    List<String> victim = List.of("victim");
    List<String> leeway = List.of("leeway");
    Function<EntryPoint, Reply> refused = e -> Reply.refused();
    Function<EntryPoint, Reply> granted = e -> Reply.accepted(e.granted);
    // Claims whose expiry lies just past, or just within, the leeway: the node must draw the
    // line at the leeway itself, not seconds either side of it.
    List<Row> rows =
        List.of(
            new Row(
                "alg none",
                "victim",
                () -> new PlainJWT(claims(victim).build()).serialize(),
                refused),
            new Row(
                "HS256 signed with the RSA public key (DER) as secret",
                "victim",
                () -> hs256(claims(victim).build(), rsa.toRSAPublicKey().getEncoded(), "rsa"),
                refused),
            new Row(
                "HS256 signed with the RSA public key (PEM) as secret",
                "victim",
                () ->
                    hs256(claims(victim).build(), publicPem.getBytes(StandardCharsets.UTF_8), null),
                refused),
            new Row(
                "RS256 signed by another RSA key under the configured kid",
                "victim",
                () -> rs256(claims(victim).build(), otherRsa, "rsa"),
                refused),
            new Row(
                "RS256 naming the HMAC key's kid",
                "victim",
                () -> rs256(claims(victim).build(), rsa, "hs"),
                refused),
            new Row(
                "unknown kid",
                "victim",
                () -> hs256(claims(victim).build(), SECRET, "nope"),
                refused),
            new Row(
                "HMAC with another secret",
                "victim",
                () ->
                    hs256(
                        claims(victim).build(),
                        "another-secret-that-is-long-enough-for-hs256-0000"
                            .getBytes(StandardCharsets.UTF_8),
                        "hs"),
                refused),
            new Row(
                "wrong issuer",
                "victim",
                () -> hs256(claims(victim).issuer("someone-else").build(), SECRET, "hs"),
                refused),
            new Row(
                "no issuer",
                "victim",
                () -> hs256(claims(victim).issuer(null).build(), SECRET, "hs"),
                refused),
            new Row(
                "wrong audience",
                "victim",
                () -> hs256(claims(victim).audience("elsewhere").build(), SECRET, "hs"),
                refused),
            new Row(
                "expired, at most 1 s beyond the leeway",
                "victim",
                () ->
                    hs256(
                        claims(victim)
                            .expirationTime(secondsFromNow(LEEWAY.plusSeconds(1).negated(), true))
                            .build(),
                        SECRET,
                        "hs"),
                refused),
            new Row(
                "expired a minute ago",
                "victim",
                () ->
                    hs256(
                        claims(victim)
                            .expirationTime(secondsFromNow(Duration.ofMinutes(-1), false))
                            .build(),
                        SECRET,
                        "hs"),
                refused),
            new Row(
                "not valid before 1-2 s beyond the leeway",
                "victim",
                () ->
                    hs256(
                        claims(victim)
                            .notBeforeTime(secondsFromNow(LEEWAY.plusSeconds(1), true))
                            .build(),
                        SECRET,
                        "hs"),
                refused),
            new Row(
                "not valid before a minute from now",
                "victim",
                () ->
                    hs256(
                        claims(victim)
                            .notBeforeTime(secondsFromNow(Duration.ofMinutes(1), false))
                            .build(),
                        SECRET,
                        "hs"),
                refused),
            new Row("signature stripped", "victim", () -> parts[0] + "." + parts[1] + ".", refused),
            new Row(
                "header not base64", "victim", () -> "!!!." + parts[1] + "." + parts[2], refused),
            new Row("payload not base64", "victim", () -> parts[0] + ".%%%." + parts[2], refused),
            new Row(
                "payload swapped under a valid signature",
                "victim",
                () ->
                    parts[0]
                        + "."
                        + b64(
                            "{\"sub\":\"mallory\",\"iss\":\""
                                + ISSUER
                                + "\",\"aud\":\""
                                + AUDIENCE
                                + "\",\"exp\":9999999999,\"crier.publish\":[\"*\"],"
                                + "\"crier.subscribe\":[\"*\"]}")
                        + "."
                        + parts[2],
                refused),
            new Row("not a JWT at all", "victim", () -> "not-a-jwt", refused),
            new Row("revoked token", "victim", () -> revoked, refused),
            new Row(
                "no token at all",
                "victim",
                () -> null,
                e -> new Reply(401, "unauthorized", Optional.of(NO_TOKEN))),
            new Row(
                "a good token for another topic",
                "victim",
                () -> elsewhere,
                e -> Reply.forbidden()),
            new Row("a good token", "leeway", () -> valid(leeway), granted),
            new Row(
                "expired 1-2 s within the leeway",
                "leeway",
                () ->
                    hs256(
                        claims(leeway)
                            .expirationTime(secondsFromNow(LEEWAY.minusSeconds(2).negated(), false))
                            .build(),
                        SECRET,
                        "hs"),
                granted),
            new Row(
                "not valid before 1-2 s within the leeway",
                "leeway",
                () ->
                    hs256(
                        claims(leeway)
                            .notBeforeTime(secondsFromNow(LEEWAY.minusSeconds(1), false))
                            .build(),
                        SECRET,
                        "hs"),
                granted),
            new Row(
                "RS256 signed by the configured RSA key",
                "leeway",
                () -> rs256(claims(leeway).build(), rsa, "rsa"),
                granted));
    List<Attack> attacks =
        List.of(
            new Attack(
                "a 10 KB token",
                n -> publish(n, "/topics/victim/events", "a".repeat(10 * 1024)),
                new Reply(431, null, Optional.empty())),
            new Attack(
                "query token for the victim beside a header token for another topic",
                n -> subscribe(n, "/events/victim?access_token=" + good, elsewhere),
                Reply.forbidden()),
            new Attack(
                "a Basic credential is no bearer token",
                n ->
                    HttpRequest.newBuilder(n.http("/events/victim"))
                        .header("Authorization", "Basic dXNlcjpwYXNz")
                        .build(),
                new Reply(401, "unauthorized", Optional.of(NO_TOKEN))),
            new Attack(
                "orders/* does not grant orders-secret (publish)",
                n -> publish(n, "/topics/orders-secret/events", ordersOnly),
                Reply.forbidden()),
            new Attack(
                "orders/* does not grant orders-secret (subscribe)",
                n -> subscribe(n, "/events/orders-secret", ordersOnly),
                Reply.forbidden()),
            new Attack(
                "orders/* does not grant orders (subscribe)",
                n -> subscribe(n, "/events/orders", ordersOnly),
                Reply.forbidden()),
            // Topics are opaque names, never paths: ".." is not resolved, so this publishes to the
            // literal topic "orders/../victim" that orders/* grants, and nothing reaches "victim".
            new Attack(
                "encoded .. stays part of the topic name",
                n -> publish(n, "/topics/orders%2F..%2Fvictim/events", ordersOnly),
                Reply.accepted(201)),
            new Attack(
                "an encoded slash does not widen an exact grant",
                n -> subscribe(n, "/events/victim%2F", good),
                Reply.forbidden()),
            new Attack(
                "an encoded .. does not reach another topic",
                n -> publish(n, "/topics/victim%2F..%2Forders/events", good),
                Reply.forbidden()));

    try (TestNode node =
        TestNode.start(
            "crier.auth.jwt.leeway = "
                + LEEWAY.toSeconds()
                + "s\n"
                + "crier.auth.jwt.issuer = \""
                + ISSUER
                + "\"\n"
                + "crier.auth.jwt.audience = \""
                + AUDIENCE
                + "\"\n"
                + "crier.auth.jwt.keys = [{ secret = \""
                + TestNode.SECRET
                + "\", kid = \"hs\" }, { public-key-pem = \"\"\""
                + publicPem
                + "\"\"\", kid = \"rsa\" }]")) {
      SseClient watcher = SseClient.open(node.http("/events/victim"), good);
      SseClient secrets = SseClient.open(node.http("/events/orders-secret"), all);
      assertEquals(
          200,
          Http.send(
                  HttpRequest.newBuilder(node.management("/admin/tokens/revoked-jti"))
                      .header("Authorization", "Bearer " + admin)
                      .DELETE()
                      .build())
              .status());
      List<String> wrong = new ArrayList<>();
      int tried = 0;
      for (Row row : rows) {
        for (EntryPoint entry : EntryPoint.values()) {
          Reply got = replyTo(entry.request(node, row.topic(), row.token().mint()));
          Reply expected = row.expected().apply(entry);
          tried++;
          if (!got.equals(expected)) {
            wrong.add(row.name() + " via " + entry + ": " + got + " instead of " + expected);
          }
        }
      }
      for (Attack attack : attacks) {
        Reply got = replyTo(attack.request().apply(node));
        tried++;
        if (!got.equals(attack.expected())) {
          wrong.add(attack.name() + ": " + got + " instead of " + attack.expected());
        }
      }
      assertEquals(List.of(), wrong, "of " + tried + " requests");
      // the legitimate RS256 token works here too, so the refusals above are not a broken key
      assertEquals(
          201,
          Http.send(
                  publish(node, "/topics/victim/events", rs256(claims(victim).build(), rsa, "rsa")))
              .status());
      assertEquals("x", watcher.next(Duration.ofSeconds(10)).data());
      assertTrue(watcher.quietFor(Duration.ofMillis(500)), "an attack published to the victim");
      assertTrue(secrets.quietFor(Duration.ofMillis(100)), "an attack reached orders-secret");
      assertEquals(
          1, Http.get(node.http("/topics/victim/events"), all).json().get("events").size());
      assertEquals(
          0, Http.get(node.http("/topics/orders-secret/events"), all).json().get("events").size());
      // each of the 4 granted rows published once through each of the 2 publishing entry points
      assertEquals(
          8, Http.get(node.http("/topics/leeway/events"), all).json().get("events").size());
    }
  }

  private static HttpRequest publish(TestNode node, String path, String token) {
    return bearer(
            HttpRequest.newBuilder(node.http(path)).POST(HttpRequest.BodyPublishers.ofString("x")),
            token)
        .build();
  }

  private static HttpRequest subscribe(TestNode node, String path, String token) {
    return bearer(HttpRequest.newBuilder(node.http(path)), token).build();
  }

  /**
   * The reply to a request. An event stream is read only up to its head: a subscription that was
   * wrongly let in would otherwise never end. Any other body is read whole, within a bound.
   */
  private static Reply replyTo(HttpRequest request) throws Exception {
    HttpResponse<String> response =
        CLIENT
            .sendAsync(
                request,
                info ->
                    info.headers()
                            .firstValue("Content-Type")
                            .filter(t -> t.startsWith("text/event-stream"))
                            .isPresent()
                        ? new HeadOnly()
                        : HttpResponse.BodySubscribers.ofString(StandardCharsets.UTF_8))
            .get(Http.ANSWER_WITHIN.toMillis(), TimeUnit.MILLISECONDS);
    String code = null;
    if (!response.body().isEmpty()) {
      try {
        JsonNode error = JSON.readTree(response.body()).get("error");
        code = error == null ? null : error.asText();
      } catch (java.io.IOException notJson) {
        code = null;
      }
    }
    return new Reply(
        response.statusCode(), code, response.headers().firstValue("WWW-Authenticate"));
  }

  /** Takes no body at all: cancels the stream as soon as it is offered. */
  private static final class HeadOnly implements HttpResponse.BodySubscriber<String> {
    @Override
    public CompletionStage<String> getBody() {
      return CompletableFuture.completedFuture("");
    }

    @Override
    public void onSubscribe(Flow.Subscription subscription) {
      subscription.cancel();
    }

    @Override
    public void onNext(List<ByteBuffer> item) {}

    @Override
    public void onError(Throwable throwable) {}

    @Override
    public void onComplete() {}
  }
}
