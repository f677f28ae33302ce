package dev.astrgate.platform.worker;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;

/** One worker's bridge connection, as its platform adapter sees it. */
public interface WorkerLink {
  /** Unique per connection; it is the {@code connection_id} of the ownership entry. */
  String id();

  /** The connection's own context: sends are taken there, so delivery needs no thread hop. */
  Context context();

  /** Where the worker connects from and what it calls itself, for logs. */
  String describe();

  /**
   * Hands a message to the worker on {@link WorkerProtocol#SEND} and yields its answer's body; fails with a
   * {@code SendFailure} when the worker answers with an error, does not answer in time, or disconnects first.
   * Call on {@link #context()}.
   */
  Future<JsonObject> request(JsonObject body);

  /** Sends an err frame with the reason and closes the connection. Callable from any thread. */
  void close(String reason);
}
