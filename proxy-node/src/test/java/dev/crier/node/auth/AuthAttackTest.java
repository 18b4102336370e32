package dev.crier.node.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
import java.util.concurrent.Flow;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * A table of attacks, each a real HTTP request against a real node, each with the exact status it
 * must get; afterwards nothing may have been published to, or delivered on, the attacked topics.
 */
class AuthAttackTest {
  private static final String ISSUER = "crier-test";
  private static final String AUDIENCE = "crier";
  private static final byte[] SECRET = TestNode.SECRET.getBytes(StandardCharsets.UTF_8);
  private static final HttpClient CLIENT = HttpClient.newHttpClient();

  /** One attack: what it is, the request it sends, the status it must get. */
  private record Attack(String name, Function<TestNode, HttpRequest> request, int status) {}

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

  private static String valid(List<String> grants) throws Exception {
    return hs256(claims(grants).build(), SECRET, "hs");
  }

  private static HttpRequest publish(TestNode node, String path, String token) {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(node.http(path)).POST(HttpRequest.BodyPublishers.ofString("x"));
    return (token == null ? b : b.header("Authorization", "Bearer " + token)).build();
  }

  private static HttpRequest subscribe(TestNode node, String path, String header) {
    HttpRequest.Builder b = HttpRequest.newBuilder(node.http(path)).timeout(Duration.ofSeconds(5));
    return (header == null ? b : b.header("Authorization", "Bearer " + header)).build();
  }

  private static String b64(String json) {
    return Base64.getUrlEncoder()
        .withoutPadding()
        .encodeToString(json.getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void everyAttackGetsItsExactStatusAndNothingLeaks() throws Exception {
    RSAKey rsa = new RSAKeyGenerator(2048).keyID("rsa").generate();
    String publicPem =
        "-----BEGIN PUBLIC KEY-----\n"
            + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                .encodeToString(rsa.toRSAPublicKey().getEncoded())
            + "\n-----END PUBLIC KEY-----\n";
    String all = valid(List.of("*"));
    String ordersOnly = valid(List.of("orders/*"));
    String good = valid(List.of("victim"));
    String elsewhere = valid(List.of("elsewhere"));
    long now = System.currentTimeMillis();
    String signedByRsa;
    {
      SignedJWT jwt =
          new SignedJWT(
              new JWSHeader.Builder(JWSAlgorithm.RS256).keyID("rsa").build(),
              claims(List.of("victim")).build());
      jwt.sign(new RSASSASigner(rsa));
      signedByRsa = jwt.serialize();
    }
    String revoked = hs256(claims(List.of("victim")).jwtID("revoked-jti").build(), SECRET, "hs");
    String admin = hs256(claims(List.of()).claim("crier.admin", true).build(), SECRET, "hs");
    String[] parts = good.split("\\.");
    List<Attack> attacks =
        List.of(
            new Attack(
                "alg none",
                n ->
                    publish(
                        n,
                        "/topics/victim/events",
                        new PlainJWT(claims(List.of("victim")).build()).serialize()),
                401),
            new Attack(
                "HS256 signed with the RSA public key",
                n -> {
                  try {
                    return publish(
                        n,
                        "/topics/victim/events",
                        hs256(
                            claims(List.of("victim")).build(),
                            rsa.toRSAPublicKey().getEncoded(),
                            "rsa"));
                  } catch (Exception e) {
                    throw new IllegalStateException(e);
                  }
                },
                401),
            new Attack(
                "unknown kid",
                n -> {
                  try {
                    return publish(
                        n,
                        "/topics/victim/events",
                        hs256(claims(List.of("victim")).build(), SECRET, "nope"));
                  } catch (Exception e) {
                    throw new IllegalStateException(e);
                  }
                },
                401),
            new Attack(
                "wrong issuer",
                n -> signedOrFail(n, claims(List.of("victim")).issuer("someone-else")),
                401),
            new Attack(
                "wrong audience",
                n -> signedOrFail(n, claims(List.of("victim")).audience("elsewhere")),
                401),
            new Attack(
                "expired one second beyond the leeway",
                n ->
                    signedOrFail(
                        n, claims(List.of("victim")).expirationTime(new Date(now - 6_000))),
                401),
            new Attack(
                "not valid before a minute from now",
                n ->
                    signedOrFail(
                        n, claims(List.of("victim")).notBeforeTime(new Date(now + 60_000))),
                401),
            new Attack(
                "signature stripped",
                n -> publish(n, "/topics/victim/events", parts[0] + "." + parts[1] + "."),
                401),
            new Attack(
                "header not base64",
                n -> publish(n, "/topics/victim/events", "!!!." + parts[1] + "." + parts[2]),
                401),
            new Attack(
                "payload not base64",
                n -> publish(n, "/topics/victim/events", parts[0] + ".%%%." + parts[2]),
                401),
            new Attack(
                "payload swapped under a valid signature",
                n ->
                    publish(
                        n,
                        "/topics/victim/events",
                        parts[0]
                            + "."
                            + b64(
                                "{\"sub\":\"mallory\",\"iss\":\""
                                    + ISSUER
                                    + "\",\"aud\":\""
                                    + AUDIENCE
                                    + "\",\"exp\":9999999999,\"crier.publish\":[\"*\"]}")
                            + "."
                            + parts[2]),
                401),
            new Attack(
                "a 10 KB token",
                n -> publish(n, "/topics/victim/events", "a".repeat(10 * 1024)),
                431),
            new Attack(
                "query token for the victim beside a header token for another topic",
                n -> subscribe(n, "/events/victim?access_token=" + good, elsewhere),
                403),
            new Attack(
                "orders/* does not grant orders-secret (publish)",
                n -> publish(n, "/topics/orders-secret/events", ordersOnly),
                403),
            new Attack(
                "orders/* does not grant orders-secret (subscribe)",
                n -> subscribe(n, "/events/orders-secret", ordersOnly),
                403),
            new Attack(
                "orders/* does not grant orders (subscribe)",
                n -> subscribe(n, "/events/orders", ordersOnly),
                403),
            // Topics are opaque names, never paths: ".." is not resolved, so this publishes to the
            // literal topic "orders/../victim" that orders/* grants, and nothing reaches "victim".
            new Attack(
                "encoded .. stays part of the topic name",
                n -> publish(n, "/topics/orders%2F..%2Fvictim/events", ordersOnly),
                201),
            new Attack(
                "an encoded slash does not widen an exact grant",
                n -> subscribe(n, "/events/victim%2F", good),
                403),
            new Attack(
                "an encoded .. does not reach another topic",
                n -> publish(n, "/topics/victim%2F..%2Forders/events", good),
                403),
            new Attack(
                "revoked token (publish)", n -> publish(n, "/topics/victim/events", revoked), 401),
            new Attack(
                "revoked token (subscribe)", n -> subscribe(n, "/events/victim", revoked), 401),
            new Attack("no token at all", n -> publish(n, "/topics/victim/events", null), 401));

    try (TestNode node =
        TestNode.start(
            "crier.auth.jwt.leeway = 5s\n"
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
      for (Attack attack : attacks) {
        int status = statusOf(attack.request().apply(node));
        if (status != attack.status()) {
          wrong.add(attack.name() + ": " + status + " instead of " + attack.status());
        }
      }
      assertEquals(List.of(), wrong);
      // the legitimate RS256 token works, so the refusals above are not a broken key setup
      assertEquals(201, Http.send(publish(node, "/topics/victim/events", signedByRsa)).status());
      assertEquals("x", watcher.next(Duration.ofSeconds(10)).data());
      assertTrue(watcher.quietFor(Duration.ofMillis(500)), "an attack published to the victim");
      assertTrue(secrets.quietFor(Duration.ofMillis(100)), "an attack reached orders-secret");
      assertEquals(
          1, Http.get(node.http("/topics/victim/events"), all).json().get("events").size());
      assertEquals(
          0, Http.get(node.http("/topics/orders-secret/events"), all).json().get("events").size());
    }
  }

  /**
   * The status of a request, read from the response head: a subscription that was wrongly let in
   * would otherwise never end.
   */
  private static int statusOf(HttpRequest request) throws Exception {
    HttpResponse<Flow.Publisher<List<ByteBuffer>>> response =
        CLIENT.send(request, HttpResponse.BodyHandlers.ofPublisher());
    response
        .body()
        .subscribe(
            new Flow.Subscriber<>() {
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
            });
    return response.statusCode();
  }

  private static HttpRequest signedOrFail(TestNode node, JWTClaimsSet.Builder claims) {
    try {
      return publish(node, "/topics/victim/events", hs256(claims.build(), SECRET, "hs"));
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}
