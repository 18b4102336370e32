package dev.crier.node.auth;

import dev.crier.node.Refusal;
import dev.crier.protocol.topic.TopicPattern;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.actor.typed.ActorSystem;

/**
 * Decides who a request is: tries the configured verifiers in order until one recognises the token,
 * grants the anonymous topics to requests without one, and refuses revoked tokens. Thread-safe;
 * shared by the routes of one node.
 */
public final class Authenticator {
  private static final String ANONYMOUS = "anonymous";

  /** When to ask again about a token that could not be checked: the verifier may be back. */
  private static final int UNAVAILABLE_RETRY_SECONDS = 5;

  private final List<TokenVerifier> verifiers;
  private final Grants anonymous;
  private final RevokedTokens revoked;
  private final AuthCounters counters;

  /** The verifiers {@code crier.auth.verifiers} names, in its order. */
  public static Authenticator create(
      AuthSettings settings, ActorSystem<?> system, RevokedTokens revoked, AuthCounters counters) {
    List<TokenVerifier> verifiers = new ArrayList<>();
    for (String name : settings.verifiers()) {
      verifiers.add(
          name.equals(AuthSettings.WEBHOOK)
              ? new WebhookVerifier(settings.webhook(), system, counters, Clock.systemUTC())
              : JwtVerifier.create(settings, counters));
    }
    return new Authenticator(verifiers, settings, revoked, counters);
  }

  public Authenticator(
      List<TokenVerifier> verifiers,
      AuthSettings settings,
      RevokedTokens revoked,
      AuthCounters counters) {
    this.verifiers = List.copyOf(verifiers);
    this.revoked = revoked;
    this.counters = counters;
    this.anonymous =
        settings.anonymousSubscribe().isEmpty() && settings.anonymousPublish().isEmpty()
            ? null
            : new Grants(
                null,
                null,
                Instant.MAX,
                settings.anonymousSubscribe().stream().map(TopicPattern::parse).toList(),
                settings.anonymousPublish().stream().map(TopicPattern::parse).toList(),
                false,
                null);
  }

  /**
   * What kind of no a failed {@link #authenticate} is: a token that cannot be checked now is {@code
   * auth_unavailable}, worth retrying in a few seconds (never a 401: the token may be good);
   * anything else refuses the credential, as a bad one when a token was presented and as a missing
   * one when none was.
   */
  public static Refusal refusal(Throwable failure, boolean tokenPresented) {
    Throwable cause = failure instanceof CompletionException c ? c.getCause() : failure;
    if (cause instanceof AuthUnavailableException e) {
      return Refusal.unavailable("auth_unavailable", e.getMessage(), UNAVAILABLE_RETRY_SECONDS);
    }
    String why = cause instanceof AuthException e ? e.getMessage() : "token could not be checked";
    return tokenPresented ? Refusal.badCredential(why) : Refusal.unauthenticated(why);
  }

  /**
   * The grants of the token (or of anonymous access when there is no token); fails with {@link
   * AuthException} when refused, {@link AuthUnavailableException} when it cannot be decided now.
   * Whether the grants cover the request is the caller's check (it answers 403, not 401).
   */
  public CompletionStage<Grants> authenticate(Optional<String> token, AccessRequest request) {
    if (token.isEmpty()) {
      if (anonymous != null && request.allowedBy(anonymous)) {
        counters.verification(ANONYMOUS, "granted");
        return CompletableFuture.completedFuture(anonymous);
      }
      counters.verification("none", "refused");
      return CompletableFuture.failedFuture(new AuthException("missing bearer token"));
    }
    for (TokenVerifier verifier : verifiers) {
      Optional<CompletionStage<Grants>> verdict;
      try {
        verdict = verifier.verify(token.get(), request);
      } catch (AuthException | AuthUnavailableException e) {
        verdict = Optional.of(CompletableFuture.failedFuture(e));
      }
      if (verdict.isPresent()) {
        return verdict.get().handle((grants, failure) -> checked(verifier, grants, failure));
      }
    }
    counters.verification("none", "refused");
    return CompletableFuture.failedFuture(
        new AuthException("no key or verifier for this token (its algorithm or key id)"));
  }

  private Grants checked(TokenVerifier verifier, Grants grants, Throwable failure) {
    Throwable cause = failure instanceof CompletionException c ? c.getCause() : failure;
    if (cause instanceof AuthException e) {
      counters.verification(verifier.name(), "refused");
      throw e;
    }
    if (cause instanceof AuthUnavailableException e) {
      counters.verification(verifier.name(), "unavailable");
      throw e;
    }
    if (cause != null) {
      counters.verification(verifier.name(), "unavailable");
      throw new AuthUnavailableException("token could not be checked");
    }
    if (grants.tokenId() != null && revoked.isRevoked(grants.tokenId())) {
      counters.verification(verifier.name(), "revoked");
      throw new AuthException("token revoked");
    }
    counters.verification(verifier.name(), "granted");
    return grants;
  }
}
