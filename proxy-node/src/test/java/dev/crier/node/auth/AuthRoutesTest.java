package dev.crier.node.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import dev.crier.node.support.Http;
import dev.crier.node.support.SseClient;
import dev.crier.node.support.TestNode;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** Every way a credential can fail, over real HTTP, with the status API.md names. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AuthRoutesTest {
  private TestNode node;
  private RSAKey rsa;
  private String publicPem;

  @BeforeAll
  void start() throws Exception {
    rsa = new RSAKeyGenerator(2048).generate();
    publicPem =
        "-----BEGIN PUBLIC KEY-----\n"
            + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                .encodeToString(rsa.toRSAPublicKey().getEncoded())
            + "\n-----END PUBLIC KEY-----\n";
    node =
        TestNode.start(
            "crier.auth.jwt.leeway = 5s\n"
                + "crier.auth.jwt.keys = [{ secret = \""
                + TestNode.SECRET
                + "\" }, { public-key-pem = \"\"\""
                + publicPem
                + "\"\"\" }]");
  }

  @AfterAll
  void stop() {
    node.close();
  }

  private static JWTClaimsSet.Builder claims(long expSecondsFromNow) {
    return new JWTClaimsSet.Builder()
        .subject("s")
        .expirationTime(new Date(System.currentTimeMillis() + expSecondsFromNow * 1000))
        .claim("crier.subscribe", List.of("*"))
        .claim("crier.publish", List.of("*"));
  }

  private static String hs256(JWTClaimsSet claims, byte[] secret) throws Exception {
    SignedJWT jwt = new SignedJWT(new JWSHeader(JWSAlgorithm.HS256), claims);
    jwt.sign(new MACSigner(secret));
    return jwt.serialize();
  }

  private int subscribeStatus(String token) throws Exception {
    return Http.get(node.http("/events/auth-topic-x?replay=0"), token).status();
  }

  /**
   * The status of a publish with the token; a 401 must carry the code and the RFC 6750 challenge
   * (with {@code invalid_token} exactly when a token was sent). Opening a stream that succeeds
   * would not end: 200 is checked with a real SSE client.
   */
  private int status(String token) throws Exception {
    Http.Answer a = Http.publish(node, "auth/topic", "x", token);
    if (a.status() == 401) {
      assertEquals("unauthorized", a.json().get("error").asText());
      assertEquals(
          Optional.of(
              token == null
                  ? "Bearer realm=\"crier\""
                  : "Bearer realm=\"crier\", error=\"invalid_token\""),
          a.raw().headers().firstValue("WWW-Authenticate"));
    }
    return a.status();
  }

  @Test
  void validTokensAreAcceptedFromHeaderQueryAndCookie() throws Exception {
    String token = hs256(claims(60).build(), TestNode.SECRET.getBytes(StandardCharsets.UTF_8));
    assertEquals(201, status(token));
    try (SseClient byQuery =
            SseClient.open(node.http("/events/a?access_token=" + token), Map.of());
        SseClient byCookie =
            SseClient.open(node.http("/events/a"), Map.of("Cookie", "crier_token=" + token))) {
      assertEquals(200, byQuery.status());
      assertEquals(200, byCookie.status());
    }
    SignedJWT rs = new SignedJWT(new JWSHeader(JWSAlgorithm.RS256), claims(60).build());
    rs.sign(new RSASSASigner(rsa));
    assertEquals(201, status(rs.serialize()));
  }

  @Test
  void missingTokenIs401() throws Exception {
    assertEquals(401, status(null));
    assertEquals(401, subscribeStatus(null));
    assertEquals(
        401,
        Http.send(
                HttpRequest.newBuilder(node.http("/events/a"))
                    .header("Authorization", "Basic dXNlcjpwYXNz")
                    .build())
            .status());
  }

  @Test
  void malformedTokenIs401() throws Exception {
    assertEquals(401, status("not-a-jwt"));
    assertEquals(401, status("a.b.c"));
    assertEquals(401, subscribeStatus("eyJhbGciOiJIUzI1NiJ9.e30"));
  }

  @Test
  void badSignatureIs401() throws Exception {
    String token =
        hs256(
            claims(60).build(),
            "another-secret-that-is-long-enough-for-hs256-000000".getBytes(StandardCharsets.UTF_8));
    assertEquals(401, status(token));
    String valid = hs256(claims(60).build(), TestNode.SECRET.getBytes(StandardCharsets.UTF_8));
    String tampered =
        valid.substring(0, valid.length() - 3) + (valid.endsWith("AAA") ? "BBB" : "AAA");
    assertEquals(401, status(tampered));
  }

  @Test
  void expiredTokenIs401ButLeewayIsHonoured() throws Exception {
    byte[] secret = TestNode.SECRET.getBytes(StandardCharsets.UTF_8);
    assertEquals(401, status(hs256(claims(-60).build(), secret)));
    assertEquals(201, status(hs256(claims(-2).build(), secret)));
  }

  @Test
  void notYetValidTokenIs401() throws Exception {
    JWTClaimsSet future =
        claims(600).notBeforeTime(new Date(System.currentTimeMillis() + 300_000)).build();
    assertEquals(401, status(hs256(future, TestNode.SECRET.getBytes(StandardCharsets.UTF_8))));
  }

  @Test
  void algNoneIs401() throws Exception {
    Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
    String header = b64.encodeToString("{\"alg\":\"none\"}".getBytes(StandardCharsets.UTF_8));
    String body =
        b64.encodeToString(claims(60).build().toString().getBytes(StandardCharsets.UTF_8));
    assertEquals(401, status(header + "." + body + "."));
    assertEquals(401, subscribeStatus(header + "." + body + "."));
  }

  @Test
  void hmacSignedWithThePublicKeyIs401() throws Exception {
    JWTClaimsSet claims = claims(60).build();
    assertEquals(401, status(hs256(claims, publicPem.getBytes(StandardCharsets.UTF_8))));
    assertEquals(401, status(hs256(claims, rsa.toRSAPublicKey().getEncoded())));
  }

  @Test
  void topicNotGrantedIs403() throws Exception {
    String token = TestNode.token(List.of("orders/*"), List.of("orders/eu"));
    Http.Answer sub = Http.get(node.http("/events/invoices"), token);
    assertEquals(403, sub.status());
    assertEquals("forbidden", sub.json().get("error").asText());
    assertEquals(403, Http.get(node.http("/events?topic=orders/1&topic=invoices"), token).status());
    assertEquals(403, Http.publish(node, "orders/us", "x", token).status());
    assertEquals(201, Http.publish(node, "orders/eu", "x", token).status());
    assertEquals(403, Http.get(node.http("/topics/invoices/events"), token).status());
    assertEquals(
        403,
        Http.postJson(
                node.http("/publish"),
                "[{\"topic\":\"orders/eu\",\"data\":1},{\"topic\":\"orders/us\",\"data\":1}]",
                token)
            .status());
    try (SseClient granted = SseClient.open(node.http("/events/orders/1"), token)) {
      assertEquals(200, granted.status());
    }
  }

  @Test
  void publishTokenCannotSubscribe() throws Exception {
    String publisher = TestNode.token(List.of(), List.of("*"));
    assertEquals(403, Http.get(node.http("/events/a"), publisher).status());
    URI history = node.http("/topics/a/events");
    assertEquals(403, Http.get(history, publisher).status());
  }
}
