package dev.crier.node.http;

import java.net.InetAddress;
import org.apache.pekko.http.javadsl.model.AttributeKeys;
import org.apache.pekko.http.javadsl.model.HttpRequest;
import org.apache.pekko.http.javadsl.model.RemoteAddress;

/** The address a request came from, what the per-IP limits count. */
public final class ClientAddress {
  private ClientAddress() {}

  /** The connection's peer address (pekko.http.server.remote-address-attribute is on). */
  public static String of(HttpRequest request) {
    return request
        .getAttribute(AttributeKeys.remoteAddress)
        .flatMap(RemoteAddress::getAddress)
        .map(InetAddress::getHostAddress)
        .orElse("unknown");
  }
}
