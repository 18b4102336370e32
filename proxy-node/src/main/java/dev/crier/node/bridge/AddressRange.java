package dev.crier.node.bridge;

import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * An IP address range in CIDR notation ({@code 127.0.0.0/8}, {@code ::1/128}; a bare address is one
 * host), for the bridge's allow-lists.
 */
public record AddressRange(byte[] network, int prefixLength) {

  /** Parses literal addresses only: a host name would mean a DNS lookup per config load. */
  public static AddressRange parse(String cidr) {
    int slash = cidr.indexOf('/');
    String host = slash < 0 ? cidr : cidr.substring(0, slash);
    if (host.isEmpty() || !(host.indexOf(':') >= 0 || host.chars().allMatch(AddressRange::ipv4))) {
      throw new IllegalArgumentException("not an IP address range: " + cidr);
    }
    byte[] address;
    try {
      address = InetAddress.getByName(host).getAddress();
    } catch (UnknownHostException e) {
      throw new IllegalArgumentException("not an IP address range: " + cidr, e);
    }
    int bits = address.length * 8;
    int prefix;
    try {
      prefix = slash < 0 ? bits : Integer.parseInt(cidr.substring(slash + 1));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("not an IP address range: " + cidr, e);
    }
    if (prefix < 0 || prefix > bits) {
      throw new IllegalArgumentException(
          "prefix length of " + cidr + " must be between 0 and " + bits);
    }
    return new AddressRange(address, prefix);
  }

  private static boolean ipv4(int c) {
    return c == '.' || (c >= '0' && c <= '9');
  }

  public boolean contains(InetAddress address) {
    byte[] candidate = address.getAddress();
    if (candidate.length != network.length) {
      return false;
    }
    int full = prefixLength / 8;
    for (int i = 0; i < full; i++) {
      if (candidate[i] != network[i]) {
        return false;
      }
    }
    int rest = prefixLength % 8;
    if (rest == 0) {
      return true;
    }
    int mask = (0xFF << (8 - rest)) & 0xFF;
    return (candidate[full] & mask) == (network[full] & mask);
  }
}
