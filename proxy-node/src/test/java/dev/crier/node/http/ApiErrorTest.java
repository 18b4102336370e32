package dev.crier.node.http;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.crier.node.Refusal;
import java.util.Optional;
import org.apache.pekko.http.javadsl.model.HttpEntity;
import org.apache.pekko.http.javadsl.model.HttpHeader;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.junit.jupiter.api.Test;

/** The one mapping of a refusal to HTTP: status, JSON body, Retry-After and the 401 challenge. */
class ApiErrorTest {

  @Test
  void aMissingCredentialIsA401WithTheBareChallenge() {
    HttpResponse response =
        ApiError.of(Refusal.unauthenticated("missing bearer token")).toResponse();
    assertEquals(401, response.status().intValue());
    assertEquals(
        "{\"error\":\"unauthorized\",\"message\":\"missing bearer token\"}", body(response));
    assertEquals(Optional.of("Bearer realm=\"crier\""), header(response, "WWW-Authenticate"));
    assertEquals(Optional.empty(), header(response, "Retry-After"));
  }

  @Test
  void aRefusedCredentialIsA401NamingInvalidToken() {
    HttpResponse response = ApiError.of(Refusal.badCredential("token expired")).toResponse();
    assertEquals(401, response.status().intValue());
    assertEquals("{\"error\":\"unauthorized\",\"message\":\"token expired\"}", body(response));
    assertEquals(
        Optional.of("Bearer realm=\"crier\", error=\"invalid_token\""),
        header(response, "WWW-Authenticate"));
  }

  @Test
  void otherKindsHaveNoChallengeAndRetryAfterWhenTheyHaveOne() {
    HttpResponse unavailable =
        ApiError.of(Refusal.unavailable("auth_unavailable", "webhook down", 5)).toResponse();
    assertEquals(503, unavailable.status().intValue());
    assertEquals(Optional.of("5"), header(unavailable, "Retry-After"));
    assertEquals(Optional.empty(), header(unavailable, "WWW-Authenticate"));
    HttpResponse forbidden = ApiError.of(Refusal.forbidden("not yours")).toResponse();
    assertEquals(403, forbidden.status().intValue());
    assertEquals("{\"error\":\"forbidden\",\"message\":\"not yours\"}", body(forbidden));
    assertEquals(Optional.empty(), header(forbidden, "WWW-Authenticate"));
    assertEquals(Optional.empty(), header(forbidden, "Retry-After"));
  }

  @Test
  void aNullMessageIsWrittenAsNull() {
    assertEquals(
        "{\"error\":\"invalid\",\"message\":null}",
        body(ApiError.badRequest("invalid", null).toResponse()));
  }

  private static String body(HttpResponse response) {
    return ((HttpEntity.Strict) response.entity()).getData().utf8String();
  }

  private static Optional<String> header(HttpResponse response, String name) {
    return response.getHeader(name).map(HttpHeader::value);
  }
}
