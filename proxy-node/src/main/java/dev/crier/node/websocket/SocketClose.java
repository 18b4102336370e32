package dev.crier.node.websocket;

import dev.crier.node.http.ApiError;
import dev.crier.node.subscribe.DisconnectReason;

/**
 * Why a socket closed, as its close frame says: a code in the private range 4000-4999 (RFC 6455,
 * 7.4.2) and the reason's code as text. The node's reasons mirror the SSE disconnect reasons
 * (4001-4006); a refusal that ends the socket closes it with 4000 + the HTTP status it would have
 * had (4400, 4401, 4403, 4408, 4429, 4503).
 */
record SocketClose(int code, String reason) {
  static final SocketClose UNAUTHORIZED = new SocketClose(4401, "unauthorized");
  static final SocketClose AUTH_TIMEOUT = new SocketClose(4408, "auth_timeout");

  /** RFC 6455's own code for a message larger than the node takes. */
  static final SocketClose TOO_BIG = new SocketClose(1009, "message_too_big");

  static SocketClose of(DisconnectReason reason) {
    int code =
        switch (reason) {
          case DRAINED -> 4001;
          case SLOW_CONSUMER -> 4002;
          case REVOKED -> 4003;
          case REPLACED -> 4004;
          case FAILED -> 4005;
          case CLIENT_GONE -> 4006;
        };
    return new SocketClose(code, reason.code());
  }

  static SocketClose refused(ApiError error) {
    return new SocketClose(4000 + error.status().intValue(), error.code());
  }
}
