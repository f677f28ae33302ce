package dev.astrgate.platform;

import io.vertx.core.Handler;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonObject;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * Node-local directory of the running platform adapters: the WebSocket endpoints the HTTP router hands
 * {@code /platform/<id>/ws} upgrades to, and each adapter's state for /readyz. Thread-safe.
 */
public final class PlatformHub {
  private final Map<String, Handler<HttpServerRequest>> endpoints = new ConcurrentHashMap<>();
  private final Map<String, Supplier<String>> states = new ConcurrentHashMap<>();

  /** The adapter's state for /readyz. */
  public void state(String platformId, Supplier<String> state) {
    states.put(platformId, state);
  }

  /** The handshake handler of an adapter that accepts reverse WebSockets on the node's HTTP port. */
  public void endpoint(String platformId, Handler<HttpServerRequest> webSocketEndpoint) {
    endpoints.put(platformId, webSocketEndpoint);
  }

  public void unregister(String platformId) {
    endpoints.remove(platformId);
    states.remove(platformId);
  }

  /** The handshake handler of a platform that accepts reverse WebSockets, or null. */
  public Handler<HttpServerRequest> endpoint(String platformId) {
    return endpoints.get(platformId);
  }

  /** {@code {"<id>": "owner|standby|idle|polling"}} for /readyz. */
  public JsonObject states() {
    JsonObject out = new JsonObject();
    states.forEach((id, s) -> out.put(id, s.get()));
    return out;
  }
}
