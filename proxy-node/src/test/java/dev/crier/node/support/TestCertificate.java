package dev.crier.node.support;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.util.Base64;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * A self-signed certificate for 127.0.0.1 and localhost, made by the JDK's own {@code keytool}, as
 * the PEM files a listener is configured with: {@link #chain} and {@link #key}.
 */
public record TestCertificate(Path chain, Path key, X509Certificate certificate) {

  /** A new RSA certificate named {@code CN=commonName}, its files in {@code dir}. */
  public static TestCertificate make(Path dir, String commonName) throws Exception {
    Path store = Files.createTempFile(dir, "keystore", ".p12");
    Files.delete(store);
    String keytool = Path.of(System.getProperty("java.home"), "bin", "keytool").toString();
    Process p =
        new ProcessBuilder(
                keytool,
                "-genkeypair",
                "-keyalg",
                "RSA",
                "-keysize",
                "2048",
                "-alias",
                "crier",
                "-dname",
                "CN=" + commonName,
                "-ext",
                "san=ip:127.0.0.1,dns:localhost",
                "-validity",
                "2",
                "-storetype",
                "PKCS12",
                "-keystore",
                store.toString(),
                "-storepass",
                "changeit")
            .redirectErrorStream(true)
            .start();
    String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
      throw new IllegalStateException("keytool failed: " + output);
    }
    KeyStore keys = KeyStore.getInstance("PKCS12");
    try (InputStream in = Files.newInputStream(store)) {
      keys.load(in, "changeit".toCharArray());
    }
    X509Certificate cert = (X509Certificate) keys.getCertificate("crier");
    byte[] key = keys.getKey("crier", "changeit".toCharArray()).getEncoded();
    Path chain = dir.resolve(commonName + ".crt");
    Path keyFile = dir.resolve(commonName + ".key");
    write(chain, pem("CERTIFICATE", cert.getEncoded()));
    write(keyFile, pem("PRIVATE KEY", key));
    return new TestCertificate(chain, keyFile, cert);
  }

  /** Puts this certificate's files in place of {@code other}'s, each replaced in one step. */
  public void replace(TestCertificate other) throws Exception {
    Path chainCopy = Files.copy(chain, other.chain.resolveSibling("chain.tmp"));
    Path keyCopy = Files.copy(key, other.key.resolveSibling("key.tmp"));
    Files.move(
        keyCopy, other.key, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    Files.move(
        chainCopy,
        other.chain,
        StandardCopyOption.REPLACE_EXISTING,
        StandardCopyOption.ATOMIC_MOVE);
  }

  /** A client context that trusts this certificate only. */
  public SSLContext trustingIt() throws Exception {
    return trusting(this);
  }

  /** A client context that trusts these certificates only. */
  public static SSLContext trusting(TestCertificate... certs) throws Exception {
    KeyStore trust = KeyStore.getInstance("PKCS12");
    trust.load(null, null);
    for (TestCertificate c : certs) {
      trust.setCertificateEntry(c.certificate.getSubjectX500Principal().getName(), c.certificate);
    }
    TrustManagerFactory tmf =
        TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(trust);
    SSLContext context = SSLContext.getInstance("TLS");
    context.init(null, tmf.getTrustManagers(), null);
    return context;
  }

  private static String pem(String type, byte[] der) {
    return "-----BEGIN "
        + type
        + "-----\n"
        + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der)
        + "\n-----END "
        + type
        + "-----\n";
  }

  private static void write(Path file, String content) throws Exception {
    Files.writeString(file, content, StandardCharsets.US_ASCII);
  }
}
