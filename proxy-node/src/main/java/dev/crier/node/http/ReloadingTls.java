package dev.crier.node.http;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.attribute.FileTime;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import org.apache.pekko.actor.Cancellable;
import org.apache.pekko.actor.typed.ActorSystem;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A listener's TLS, from PEM files that are checked every reload interval: when either file has
 * changed, new connections get the new certificate; open connections keep the one they shook hands
 * with. A renewal that cannot be read (half written, key not matching) is logged, and the previous
 * certificate stays in use.
 *
 * <p>TLS 1.3 and 1.2 only, with the AEAD cipher suites of Mozilla's "intermediate" profile.
 */
public final class ReloadingTls {
  private static final Logger log = LoggerFactory.getLogger(ReloadingTls.class);
  private static final String[] PROTOCOLS = {"TLSv1.3", "TLSv1.2"};
  private static final List<String> CIPHER_SUITES =
      List.of(
          "TLS_AES_128_GCM_SHA256",
          "TLS_AES_256_GCM_SHA384",
          "TLS_CHACHA20_POLY1305_SHA256",
          "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
          "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
          "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
          "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
          "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
          "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256");
  private static final Pattern PEM =
      Pattern.compile("-----BEGIN ([A-Z0-9 ]+)-----([^-]+)-----END \\1-----");

  private final TlsSettings settings;
  private final AtomicReference<Loaded> current;

  /** A certificate in use: its context, the engines' parameters, and the files' times read. */
  private record Loaded(
      SSLContext context, SSLParameters parameters, FileTime chainTime, FileTime keyTime) {}

  private ReloadingTls(TlsSettings settings, Loaded first) {
    this.settings = settings;
    this.current = new AtomicReference<>(first);
  }

  /**
   * Reads the files now and starts watching them.
   *
   * @throws IllegalArgumentException when the files do not hold a usable certificate and key
   */
  public static ReloadingTls start(TlsSettings settings, ActorSystem<?> system) {
    ReloadingTls tls;
    try {
      tls = new ReloadingTls(settings, load(settings));
    } catch (IOException | GeneralSecurityException | IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "TLS: cannot use "
              + settings.certificateChain()
              + " and "
              + settings.privateKey()
              + ": "
              + e.getMessage(),
          e);
    }
    Cancellable watch =
        system
            .classicSystem()
            .scheduler()
            .scheduleWithFixedDelay(
                settings.reloadInterval(),
                settings.reloadInterval(),
                tls::reloadIfChanged,
                system.executionContext());
    system.getWhenTerminated().thenRun(watch::cancel);
    return tls;
  }

  /** An engine for one new server connection, from the certificate in use now. */
  public SSLEngine newEngine() {
    Loaded loaded = current.get();
    SSLEngine engine = loaded.context().createSSLEngine();
    engine.setUseClientMode(false);
    engine.setSSLParameters(loaded.parameters());
    return engine;
  }

  private void reloadIfChanged() {
    Loaded was = current.get();
    try {
      if (Files.getLastModifiedTime(settings.certificateChain()).equals(was.chainTime())
          && Files.getLastModifiedTime(settings.privateKey()).equals(was.keyTime())) {
        return;
      }
      current.set(load(settings));
      log.info("TLS certificate reloaded from {}", settings.certificateChain());
    } catch (IOException | GeneralSecurityException | IllegalArgumentException e) {
      log.warn(
          "TLS: the changed {} / {} cannot be used, keeping the previous certificate: {}",
          settings.certificateChain(),
          settings.privateKey(),
          e.toString());
    }
  }

  private static Loaded load(TlsSettings settings) throws IOException, GeneralSecurityException {
    FileTime chainTime = Files.getLastModifiedTime(settings.certificateChain());
    FileTime keyTime = Files.getLastModifiedTime(settings.privateKey());
    List<Certificate> chain = certificates(Files.readAllBytes(settings.certificateChain()));
    PrivateKey key = privateKey(Files.readString(settings.privateKey(), StandardCharsets.US_ASCII));
    if (!belongTogether(key, ((X509Certificate) chain.get(0)).getPublicKey())) {
      throw new IllegalArgumentException(
          "the private key does not belong to the first certificate");
    }
    KeyStore store = KeyStore.getInstance("PKCS12");
    store.load(null, null);
    char[] password = new char[0];
    store.setKeyEntry("crier", key, password, chain.toArray(Certificate[]::new));
    KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
    keys.init(store, password);
    SSLContext context = SSLContext.getInstance("TLS");
    context.init(keys.getKeyManagers(), null, null);
    SSLParameters parameters = context.getDefaultSSLParameters();
    parameters.setProtocols(PROTOCOLS);
    List<String> supported = List.of(context.getSupportedSSLParameters().getCipherSuites());
    parameters.setCipherSuites(
        CIPHER_SUITES.stream().filter(supported::contains).toArray(String[]::new));
    parameters.setUseCipherSuitesOrder(true);
    return new Loaded(context, parameters, chainTime, keyTime);
  }

  /** Whether what the key signs, the certificate's public key verifies. */
  private static boolean belongTogether(PrivateKey key, PublicKey certified)
      throws GeneralSecurityException {
    String algorithm =
        switch (key.getAlgorithm()) {
          case "RSA" -> "SHA256withRSA";
          case "EC" -> "SHA256withECDSA";
          case "Ed25519", "EdDSA" -> "Ed25519";
          default -> null;
        };
    if (algorithm == null || !key.getAlgorithm().equals(certified.getAlgorithm())) {
      return algorithm == null;
    }
    byte[] probe = "crier".getBytes(StandardCharsets.US_ASCII);
    Signature signer = Signature.getInstance(algorithm);
    signer.initSign(key);
    signer.update(probe);
    byte[] signature = signer.sign();
    Signature verifier = Signature.getInstance(algorithm);
    verifier.initVerify(certified);
    verifier.update(probe);
    return verifier.verify(signature);
  }

  private static List<Certificate> certificates(byte[] pem) throws GeneralSecurityException {
    List<Certificate> chain =
        new ArrayList<>(
            CertificateFactory.getInstance("X.509")
                .generateCertificates(new ByteArrayInputStream(pem)));
    if (chain.isEmpty()) {
      throw new IllegalArgumentException("no certificate in the chain file");
    }
    return chain;
  }

  private static PrivateKey privateKey(String pem) throws GeneralSecurityException {
    Matcher m = PEM.matcher(pem);
    if (!m.find()) {
      throw new IllegalArgumentException("no PEM block in the private key file");
    }
    byte[] der = Base64.getMimeDecoder().decode(m.group(2).trim());
    return switch (m.group(1)) {
      case "PRIVATE KEY" -> pkcs8(der);
      case "RSA PRIVATE KEY" -> pkcs8(rsaPkcs1AsPkcs8(der));
      case "ENCRYPTED PRIVATE KEY" ->
          throw new IllegalArgumentException(
              "the private key is encrypted; decrypt it (openssl pkcs8 -in key.pem -out plain.pem)");
      default ->
          throw new IllegalArgumentException(
              "unsupported key block "
                  + m.group(1)
                  + "; convert it to PKCS #8 (openssl pkcs8 -topk8 -nocrypt -in key.pem)");
    };
  }

  private static PrivateKey pkcs8(byte[] der) throws GeneralSecurityException {
    PKCS8EncodedKeySpec spec = new PKCS8EncodedKeySpec(der);
    GeneralSecurityException last = null;
    for (String algorithm : new String[] {"RSA", "EC", "Ed25519", "RSASSA-PSS"}) {
      try {
        return KeyFactory.getInstance(algorithm).generatePrivate(spec);
      } catch (GeneralSecurityException notThis) {
        last = notThis;
      }
    }
    throw last;
  }

  /** Wraps a PKCS #1 RSAPrivateKey in the PKCS #8 PrivateKeyInfo that Java's KeyFactory reads. */
  private static byte[] rsaPkcs1AsPkcs8(byte[] pkcs1) {
    byte[] version = {0x02, 0x01, 0x00};
    byte[] rsaAlgorithm = {
      0x30,
      0x0d,
      0x06,
      0x09,
      0x2a,
      (byte) 0x86,
      0x48,
      (byte) 0x86,
      (byte) 0xf7,
      0x0d,
      0x01,
      0x01,
      0x01,
      0x05,
      0x00
    };
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    body.writeBytes(version);
    body.writeBytes(rsaAlgorithm);
    body.writeBytes(derElement(0x04, pkcs1));
    return derElement(0x30, body.toByteArray());
  }

  private static byte[] derElement(int tag, byte[] content) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(tag);
    int n = content.length;
    if (n < 0x80) {
      out.write(n);
    } else {
      int bytes = (32 - Integer.numberOfLeadingZeros(n) + 7) / 8;
      out.write(0x80 | bytes);
      for (int i = bytes - 1; i >= 0; i--) {
        out.write(n >>> (8 * i));
      }
    }
    out.writeBytes(content);
    return out.toByteArray();
  }
}
