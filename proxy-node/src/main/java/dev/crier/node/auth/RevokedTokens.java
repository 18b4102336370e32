package dev.crier.node.auth;

import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * This node's copy of the cluster-wide set of revoked token ids ({@code jti} → when the token
 * expires, epoch ms), written by {@link Revocations}, read by the {@link Authenticator} on every
 * request and by whoever must end the streams of a newly revoked token. Thread-safe.
 */
public final class RevokedTokens {
  private volatile Map<String, Long> revoked = Map.of();
  private final List<Consumer<Set<String>>> listeners = new CopyOnWriteArrayList<>();

  public boolean isRevoked(String tokenId) {
    return revoked.containsKey(tokenId);
  }

  public int size() {
    return revoked.size();
  }

  /** Calls {@code listener} with the ids newly revoked, each time the set grows. */
  public void onRevoked(Consumer<Set<String>> listener) {
    listeners.add(listener);
  }

  void replace(Map<String, Long> next) {
    Set<String> added = new HashSet<>(next.keySet());
    added.removeAll(revoked.keySet());
    revoked = Map.copyOf(next);
    if (!added.isEmpty()) {
      Set<String> newlyRevoked = Set.copyOf(added);
      listeners.forEach(listener -> listener.accept(newlyRevoked));
    }
  }
}
