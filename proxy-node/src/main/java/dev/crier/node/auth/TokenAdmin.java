package dev.crier.node.auth;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Scheduler;
import org.apache.pekko.actor.typed.javadsl.AskPattern;

/**
 * What the admin token routes do: mint scoped tokens with the node's signing key, and revoke tokens
 * cluster-wide through {@link Revocations}.
 */
public final class TokenAdmin {
  private static final Duration REVOKE_TIMEOUT = Duration.ofSeconds(10);

  private final TokenMinter minter;
  private final Duration maxTtl;
  private final Duration retention;
  private final ActorRef<Revocations.Command> revocations;
  private final Scheduler scheduler;
  private final Clock clock;

  /**
   * @param minter signs minted tokens, or null when no signing key is configured
   */
  public TokenAdmin(
      TokenMinter minter,
      AuthSettings settings,
      ActorRef<Revocations.Command> revocations,
      Scheduler scheduler,
      Clock clock) {
    this.minter = minter;
    this.maxTtl = settings.mintMaxTtl();
    this.retention = settings.revocationRetention();
    this.revocations = revocations;
    this.scheduler = scheduler;
    this.clock = clock;
  }

  /** What signs minted tokens; empty when no signing key is configured. */
  public Optional<TokenMinter> minter() {
    return Optional.ofNullable(minter);
  }

  public Duration maxTtl() {
    return maxTtl;
  }

  /**
   * Revokes the token id until {@code expiresAt} (when the token expires), or for the configured
   * retention when that is not known.
   */
  public CompletionStage<Revocations.Revoked> revoke(String tokenId, Instant expiresAt) {
    Instant until = expiresAt != null ? expiresAt : clock.instant().plus(retention);
    return AskPattern.ask(
        revocations,
        replyTo -> new Revocations.Revoke(tokenId, until, replyTo),
        REVOKE_TIMEOUT,
        scheduler);
  }
}
