package dev.crier.node.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import dev.crier.node.support.Http;
import dev.crier.node.support.SseClient;
import dev.crier.node.support.TestNode;
import java.net.http.HttpRequest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.pekko.actor.testkit.typed.javadsl.LogCapturingExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** {@code POST /admin/tokens}, the admin credential, and anonymous topics on a real node. */
@ExtendWith(LogCapturingExtension.class)
class AdminTokensTest {
  private static final String ADMIN_SECRET = "bootstrap-admin-secret-0123456789abcdef";
  private static final String ADMIN_TOKEN =
      new TokenMinter(TestNode.SECRET)
          .mint("ops", List.of(), List.of(), true, Duration.ofMinutes(10));

  private static Http.Answer mint(TestNode node, String body, String credential) throws Exception {
    return Http.postJson(node.management("/admin/tokens"), body, credential);
  }

  @Test
  void mintedTokensGrantExactlyWhatWasAskedAndOnlyAdminsMayMint() throws Exception {
    try (TestNode node =
        TestNode.start(
            "crier.auth.signing.secret = \""
                + TestNode.SECRET
                + "\"\n"
                + "crier.auth.signing.max-ttl = 1h\n"
                + "crier.auth.admin-secret = \""
                + ADMIN_SECRET
                + "\"")) {
      Http.Answer minted =
          mint(
              node,
              "{\"sub\":\"erin\",\"subscribe\":[\"news/*\"],\"publish\":[\"news/erin\"],"
                  + "\"tenant\":\"acme\",\"ttlSeconds\":120}",
              ADMIN_SECRET);
      assertEquals(201, minted.status());
      assertEquals(List.of("token", "jti", "expiresAt"), fields(minted.json()));
      String token = minted.json().get("token").asText();
      long expiresAt = minted.json().get("expiresAt").asLong();
      assertTrue(Math.abs(expiresAt - (System.currentTimeMillis() / 1000 + 120)) <= 2);
      // The token holds exactly the claims asked for: nothing more (no admin), nothing widened.
      JWTClaimsSet claims = SignedJWT.parse(token).getJWTClaimsSet();
      assertEquals(
          Set.of("sub", "jti", "iat", "exp", "crier.subscribe", "crier.publish", "crier.tenant"),
          claims.getClaims().keySet());
      assertEquals("erin", claims.getSubject());
      assertEquals(List.of("news/*"), claims.getStringListClaim("crier.subscribe"));
      assertEquals(List.of("news/erin"), claims.getStringListClaim("crier.publish"));
      assertEquals("acme", claims.getStringClaim("crier.tenant"));
      assertEquals(minted.json().get("jti").asText(), claims.getJWTID());
      assertEquals(expiresAt, claims.getExpirationTime().toInstant().getEpochSecond());
      assertEquals(120, expiresAt - claims.getIssueTime().toInstant().getEpochSecond());
      // ... and the node reads them back as those grants.
      Grants grants =
          JwtVerifier.create(AuthSettings.create(node.system().settings().config())).verify(token);
      assertEquals("erin", grants.subject());
      assertEquals("acme", grants.tenant());
      assertEquals(claims.getJWTID(), grants.tokenId());
      assertEquals(false, grants.admin());

      try (SseClient stream = SseClient.open(node.http("/events/news/erin"), token)) {
        assertEquals(200, stream.status());
        assertEquals(201, Http.publish(node, "news/erin", "hello", token).status());
        assertEquals("hello", stream.next(Duration.ofSeconds(10)).data());
      }
      assertEquals(403, Http.publish(node, "news/other", "x", token).status());
      assertEquals(403, Http.get(node.http("/events/sports"), token).status());

      // An admin token works as well as the static secret.
      assertEquals(201, mint(node, "{\"subscribe\":[\"a\"]}", ADMIN_TOKEN).status());
      // Who may not mint.
      assertEquals(401, mint(node, "{}", null).status());
      assertEquals(401, mint(node, "{}", "not-the-admin-secret-at-all-0123456789").status());
      assertEquals(403, mint(node, "{}", TestNode.allAccess()).status());
      assertEquals(
          403,
          Http.send(
                  HttpRequest.newBuilder(node.management("/admin/drain"))
                      .header("Authorization", "Bearer " + token)
                      .POST(HttpRequest.BodyPublishers.noBody())
                      .build())
              .status(),
          "a minted non-admin token cannot drain");
      // What may not be minted, and the code each gets.
      Map<String, String> bad = new LinkedHashMap<>();
      bad.put("[]", "invalid_token_request");
      bad.put("not json", "invalid_json");
      bad.put("{\"ttlSeconds\":7200}", "invalid_token_request");
      bad.put("{\"ttlSeconds\":0}", "invalid_token_request");
      bad.put("{\"subscribe\":\"news\"}", "invalid_token_request");
      bad.put("{\"subscribe\":[\"bad topic\"]}", "invalid_token_request");
      bad.put("{\"admin\":\"yes\"}", "invalid_token_request");
      bad.put("{\"sub\":\"\"}", "invalid_token_request");
      Map<String, String> got = new LinkedHashMap<>();
      for (String body : bad.keySet()) {
        Http.Answer answer = mint(node, body, ADMIN_SECRET);
        got.put(body, answer.status() + " " + answer.json().get("error").asText());
      }
      Map<String, String> expected = new LinkedHashMap<>();
      bad.forEach((body, code) -> expected.put(body, "400 " + code));
      assertEquals(expected, got);
    }
  }

  @Test
  void withoutASigningKeyMintingIs501() throws Exception {
    try (TestNode node = TestNode.start()) {
      Http.Answer answer = mint(node, "{}", ADMIN_TOKEN);
      assertEquals(501, answer.status());
      assertEquals("no_signing_key", answer.json().get("error").asText());
    }
  }

  @Test
  void anonymousTopicsNeedNoTokenAndNothingElseDoes() throws Exception {
    try (TestNode node =
        TestNode.start(
            "crier.auth.anonymous.subscribe = [\"public/*\"]\n"
                + "crier.auth.anonymous.publish = [\"public/guestbook\"]")) {
      try (SseClient stream =
          SseClient.open(node.http("/events/public/news"), java.util.Map.of())) {
        assertEquals(200, stream.status());
        assertEquals(201, Http.publish(node, "public/news", "hi", TestNode.allAccess()).status());
        assertEquals("hi", stream.next(Duration.ofSeconds(10)).data());
      }
      assertEquals(201, Http.publish(node, "public/guestbook", "x", null).status());
      assertEquals(401, Http.publish(node, "public/news", "x", null).status());
      assertEquals(401, Http.get(node.http("/events/private"), null).status());
      assertEquals(
          401,
          Http.get(node.http("/events/public/news"), "garbage").status(),
          "a bad token is refused, not treated as anonymous");
    }
  }

  private static List<String> fields(JsonNode object) {
    List<String> names = new ArrayList<>();
    object.fieldNames().forEachRemaining(names::add);
    return names;
  }
}
