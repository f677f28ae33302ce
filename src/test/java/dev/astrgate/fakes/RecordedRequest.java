package dev.astrgate.fakes;

import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.json.JsonObject;

/**
 * One request a fake received. {@code clientClosed} completes with the wall-clock millis at which the client
 * closed the TCP connection that carried it, and fails if the fake closed it itself.
 */
public record RecordedRequest(String method, String path, MultiMap headers, JsonObject body, long receivedAtMillis,
    Future<Long> clientClosed) {
  public String header(String name) {
    return headers.get(name);
  }
}
