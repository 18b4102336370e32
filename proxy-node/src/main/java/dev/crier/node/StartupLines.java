package dev.crier.node;

import dev.crier.node.auth.AuthSettings;
import dev.crier.node.auth.TokenMinter;
import java.util.List;
import java.util.function.Consumer;

/**
 * The start-up lines of API.md ({@code crier: …} on stdout) that scripts and tests wait for, in
 * their order: the listeners, the dev tokens in dev mode, then {@code crier: ready}.
 */
final class StartupLines {
  private final Consumer<String> out;

  StartupLines(Consumer<String> out) {
    this.out = out;
  }

  void listening(String what, String iface, int port) {
    out.accept("crier: " + what + " listening on " + iface + ":" + port);
  }

  void devTokens(AuthSettings auth) {
    TokenMinter minter = new TokenMinter(auth.devSecret());
    List<String> all = List.of("*");
    out.accept(
        "crier: dev subscriber token: "
            + minter.mint("dev-subscriber", all, List.of(), false, auth.devTokenTtl()));
    out.accept(
        "crier: dev publisher token: "
            + minter
                .mint("dev-publisher", List.of(), all, false, null, true, auth.devTokenTtl())
                .token());
    out.accept(
        "crier: dev admin token: "
            + minter.mint("dev-admin", List.of(), List.of(), true, auth.devTokenTtl()));
  }

  void ready() {
    out.accept("crier: ready");
  }
}
