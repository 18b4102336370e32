package dev.crier.node.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.crier.node.Refusal;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;

/** What kind of no each way {@link Authenticator#authenticate} can fail is. */
class AuthenticatorRefusalTest {

  @Test
  void aTokenThatCannotBeCheckedNowIsUnavailableWithARetry() {
    Refusal refusal =
        Authenticator.refusal(
            new CompletionException(new AuthUnavailableException("auth service is out")), true);
    assertEquals(Refusal.unavailable("auth_unavailable", "auth service is out", 5), refusal);
  }

  @Test
  void aRefusedTokenIsABadCredentialAndNoTokenIsUnauthenticated() {
    assertEquals(
        Refusal.badCredential("token expired"),
        Authenticator.refusal(new AuthException("token expired"), true));
    assertEquals(
        Refusal.unauthenticated("missing bearer token"),
        Authenticator.refusal(
            new CompletionException(new AuthException("missing bearer token")), false));
  }

  @Test
  void anyOtherFailureRefusesTheCredentialWithoutSayingWhy() {
    assertEquals(
        Refusal.badCredential("token could not be checked"),
        Authenticator.refusal(new IllegalStateException("verifier bug: secret=xyz"), true));
    assertEquals(
        Refusal.unauthenticated("token could not be checked"),
        Authenticator.refusal(new CompletionException(null), false));
  }
}
