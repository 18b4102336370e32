package dev.crier.node.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.crier.node.support.Await;
import dev.crier.node.support.Binaries;
import dev.crier.node.support.TestCertificate;
import dev.crier.node.support.TestNode;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The public listener with TLS from PEM files (made here by keytool), HTTP/2 by ALPN and by prior
 * knowledge, read by the JDK's client and by Debian's curl, and a renewed certificate taken into
 * use without a restart.
 */
class TlsAndHttp2Test {
  private static final String TOKEN = TestNode.allAccess();
  @TempDir Path dir;

  private static String tls(TestCertificate cert) {
    return "crier.http.tls { certificate-chain = \""
        + cert.chain()
        + "\", private-key = \""
        + cert.key()
        + "\", reload-interval = 200ms }\n";
  }

  private static HttpClient client(SSLContext trust, HttpClient.Version version) {
    return HttpClient.newBuilder()
        .sslContext(trust)
        .version(version)
        .connectTimeout(Duration.ofSeconds(10))
        .build();
  }

  private static URI https(TestNode node, String path) {
    return URI.create(node.http(path).toString().replaceFirst("^http:", "https:"));
  }

  private static HttpRequest.Builder authorized(URI uri) {
    return HttpRequest.newBuilder(uri)
        .timeout(Duration.ofSeconds(20))
        .header("Authorization", "Bearer " + TOKEN);
  }

  private static int publish(HttpClient client, URI uri, String topic, String data)
      throws Exception {
    return client
        .send(
            authorized(uri)
                .header("Content-Type", "application/json")
                .POST(
                    HttpRequest.BodyPublishers.ofString(
                        "{\"topic\":\"" + topic + "\",\"data\":\"" + data + "\"}"))
                .build(),
            HttpResponse.BodyHandlers.ofString())
        .statusCode();
  }

  /** An SSE stream the node answered with 200 over HTTP/2. */
  private static HttpResponse<Stream<String>> http2Stream(HttpClient h2, URI uri) throws Exception {
    HttpResponse<Stream<String>> stream =
        h2.send(authorized(uri).GET().build(), HttpResponse.BodyHandlers.ofLines());
    assertEquals(200, stream.statusCode());
    assertEquals(HttpClient.Version.HTTP_2, stream.version());
    return stream;
  }

  /** Reads SSE lines from the stream until one is {@code data: <data>}. */
  private static void readUntilData(HttpResponse<Stream<String>> stream, String data) {
    assertTrue(
        stream.body().anyMatch(line -> line.equals("data: " + data)),
        "stream ended before data: " + data);
  }

  @Test
  void sseAndPublishOverHttp2WithAlpnAndHttp11StillServed() throws Exception {
    TestCertificate cert = TestCertificate.make(dir, "first");
    try (TestNode node = TestNode.start(tls(cert))) {
      HttpClient h2 = client(cert.trustingIt(), HttpClient.Version.HTTP_2);
      String topic = "tls/" + UUID.randomUUID();
      HttpResponse<Stream<String>> stream = http2Stream(h2, https(node, "/events/" + topic));
      assertEquals(201, publish(h2, https(node, "/publish"), topic, "over-h2"));
      readUntilData(stream, "over-h2");
      stream.body().close();

      HttpResponse<String> h1 =
          client(cert.trustingIt(), HttpClient.Version.HTTP_1_1)
              .send(
                  HttpRequest.newBuilder(https(node, "/topics/" + topic + "/events"))
                      .header("Authorization", "Bearer " + TOKEN)
                      .build(),
                  HttpResponse.BodyHandlers.ofString());
      assertEquals(200, h1.statusCode(), h1.body());
      assertEquals(HttpClient.Version.HTTP_1_1, h1.version());
      assertTrue(h1.body().contains("over-h2"), h1.body());
    }
  }

  @Test
  void streamsOnOneHttp2ConnectionEachCountAgainstTheSubjectsLimit() throws Exception {
    TestCertificate cert = TestCertificate.make(dir, "limits");
    try (TestNode node = TestNode.start(tls(cert) + "crier.limits.connections-per-subject = 3\n")) {
      HttpClient h2 = client(cert.trustingIt(), HttpClient.Version.HTTP_2);
      List<HttpResponse<Stream<String>>> open = new ArrayList<>();
      for (int i = 0; i < 3; i++) {
        open.add(http2Stream(h2, https(node, "/events/limits" + i)));
      }
      HttpResponse<String> fourth =
          h2.send(
              authorized(https(node, "/events/limits3")).GET().build(),
              HttpResponse.BodyHandlers.ofString());
      assertEquals(429, fourth.statusCode(), fourth.body());
      assertTrue(fourth.body().contains("connections_per_subject"), fourth.body());
      open.get(0).body().close();
      Await.until(
          Duration.ofSeconds(10),
          () -> {
            HttpResponse<Stream<String>> again =
                h2.send(
                    authorized(https(node, "/events/limits4")).GET().build(),
                    HttpResponse.BodyHandlers.ofLines());
            again.body().close();
            return again.statusCode() == 200;
          },
          () -> "a closed HTTP/2 stream still counted against the subject");
      open.forEach(r -> r.body().close());
    }
  }

  @Test
  void aRenewedCertificateIsUsedForNewConnectionsWithoutARestart() throws Exception {
    TestCertificate first = TestCertificate.make(dir, "first");
    TestCertificate second = TestCertificate.make(dir, "second");
    try (TestNode node = TestNode.start(tls(first))) {
      SSLContext trustBoth = TestCertificate.trusting(first, second);
      assertEquals("CN=first", presented(trustBoth, node));
      second.replace(first);
      Await.until(
          Duration.ofSeconds(10),
          () -> presented(trustBoth, node).equals("CN=second"),
          () -> "the node still presents the first certificate");
      HttpResponse<String> health =
          client(second.trustingIt(), HttpClient.Version.HTTP_2)
              .send(
                  HttpRequest.newBuilder(https(node, "/topics/any/events"))
                      .header("Authorization", "Bearer " + TOKEN)
                      .build(),
                  HttpResponse.BodyHandlers.ofString());
      assertEquals(200, health.statusCode(), health.body());
    }
  }

  @Test
  void aKeyThatIsNotTheCertificatesStopsTheNodeWithAConfigurationError() throws Exception {
    TestCertificate first = TestCertificate.make(dir, "first");
    TestCertificate second = TestCertificate.make(dir, "second");
    IllegalStateException refused =
        assertThrows(
            IllegalStateException.class,
            () -> TestNode.start(tls(new TestCertificate(first.chain(), second.key(), null))));
    assertTrue(
        refused.getMessage().startsWith("crier: configuration error: TLS: cannot use "),
        refused.getMessage());
    assertTrue(
        refused.getMessage().contains("the private key does not belong to the first certificate"),
        refused.getMessage());
  }

  @Test
  void curlReadsAStreamWithHttp2OverTlsAndByPriorKnowledge() throws Exception {
    TestCertificate cert = TestCertificate.make(dir, "curl");
    String topic = "curl/" + UUID.randomUUID();
    try (TestNode secure = TestNode.start(tls(cert));
        TestNode plain = TestNode.start("crier.http.http2 = on\n")) {
      HttpClient h2 = client(cert.trustingIt(), HttpClient.Version.HTTP_2);
      assertEquals(201, publish(h2, https(secure, "/publish"), topic, "for-curl"));
      Curl overTls =
          curl(
              "--http2",
              "--cacert",
              cert.chain().toString(),
              https(secure, "/events/" + topic + "?replay=1").toString());
      assertTrue(overTls.stderr().contains("< HTTP/2 200"), overTls.stderr());
      assertTrue(overTls.stdout().contains("data: for-curl"), overTls.stdout());

      HttpClient upgrading = HttpClient.newHttpClient();
      HttpResponse<String> got =
          upgrading.send(
              authorized(plain.http("/topics/" + topic + "/events")).GET().build(),
              HttpResponse.BodyHandlers.ofString());
      assertEquals(200, got.statusCode(), got.body());
      assertEquals(HttpClient.Version.HTTP_2, got.version(), "an h2c upgrade is taken");
      assertEquals(
          201,
          publish(
              HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build(),
              plain.http("/publish"),
              topic,
              "for-curl-h2c"));
      Curl priorKnowledge =
          curl("--http2-prior-knowledge", plain.http("/events/" + topic + "?replay=1").toString());
      assertTrue(priorKnowledge.stderr().contains("< HTTP/2 200"), priorKnowledge.stderr());
      assertTrue(priorKnowledge.stdout().contains("data: for-curl-h2c"), priorKnowledge.stdout());
    }
  }

  private record Curl(String stdout, String stderr) {}

  /** Runs curl for 3 s on an SSE stream (it ends by its --max-time) and keeps what it printed. */
  private static Curl curl(String... args) throws Exception {
    List<String> command =
        new ArrayList<>(
            List.of(
                Binaries.require("curl", "curl").toString(), "-sS", "-v", "-N", "--max-time", "3"));
    command.add("-H");
    command.add("Authorization: Bearer " + TOKEN);
    command.addAll(List.of(args));
    Path out = Path.of(System.getProperty("java.io.tmpdir"), "curl-" + UUID.randomUUID() + ".out");
    Process p =
        new ProcessBuilder(command)
            .redirectOutput(out.toFile())
            .redirectError(ProcessBuilder.Redirect.PIPE)
            .start();
    StringBuilder err = new StringBuilder();
    try (BufferedReader r =
        new BufferedReader(new InputStreamReader(p.getErrorStream(), StandardCharsets.UTF_8))) {
      r.lines().forEach(l -> err.append(l).append('\n'));
    }
    assertTrue(p.waitFor(20, TimeUnit.SECONDS), "curl did not stop");
    String stdout = java.nio.file.Files.readString(out);
    java.nio.file.Files.delete(out);
    return new Curl(stdout, err.toString());
  }

  /** The subject of the certificate a new TLS connection to the node is shown. */
  private static String presented(SSLContext trust, TestNode node) throws Exception {
    URI uri = node.http("/");
    try (SSLSocket socket =
        (SSLSocket) trust.getSocketFactory().createSocket(uri.getHost(), uri.getPort())) {
      socket.startHandshake();
      return ((X509Certificate) socket.getSession().getPeerCertificates()[0])
          .getSubjectX500Principal()
          .getName();
    }
  }
}
