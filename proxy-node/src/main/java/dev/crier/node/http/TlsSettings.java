package dev.crier.node.http;

import com.typesafe.config.Config;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/**
 * TLS for a listener: a PEM certificate chain (leaf first) and its PEM private key (PKCS #8, or
 * PKCS #1 for RSA), both re-read when either file changes.
 *
 * @param reloadInterval how often the files are checked for a change
 */
public record TlsSettings(Path certificateChain, Path privateKey, Duration reloadInterval) {
  public TlsSettings {
    if (reloadInterval.isNegative() || reloadInterval.isZero()) {
      throw new IllegalArgumentException("tls.reload-interval must be positive");
    }
  }

  /**
   * The TLS settings under {@code path} (e.g. {@code crier.http.tls}); empty when its {@code
   * certificate-chain} is empty, which leaves the listener plain HTTP.
   *
   * @throws IllegalArgumentException when only one of the two files is named, or one is missing
   */
  public static Optional<TlsSettings> create(Config root, String path) {
    Config c = root.getConfig(path);
    String chain = c.getString("certificate-chain");
    String key = c.getString("private-key");
    if (chain.isBlank() && key.isBlank()) {
      return Optional.empty();
    }
    if (chain.isBlank() || key.isBlank()) {
      throw new IllegalArgumentException(
          path + ": certificate-chain and private-key must be set together, or neither");
    }
    for (String file : new String[] {chain, key}) {
      if (!Files.isReadable(Path.of(file))) {
        throw new IllegalArgumentException(path + ": cannot read " + file);
      }
    }
    return Optional.of(
        new TlsSettings(Path.of(chain), Path.of(key), c.getDuration("reload-interval")));
  }
}
