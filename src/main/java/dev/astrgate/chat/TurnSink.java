package dev.astrgate.chat;

import io.vertx.core.json.JsonObject;

/**
 * Where a running turn writes its events: an SSE response in the HTTP layer (the turn runs on the request's own
 * event loop, so writes go straight out), or a platform reply collector. A call from another thread hops to the
 * sink's own context.
 */
public interface TurnSink {
  /** Writes one event frame now; no buffering or throttling. */
  void send(JsonObject event);

  /** The same for a {@code plain} event (one per streamed delta); a sink may write its frame without a JSON tree. */
  default void sendPlain(String text, boolean streaming, String chainType, String messageId) {
    send(SseEvents.plain(text, streaming, chainType, messageId));
  }

  /** True while the client reads slower than the turn produces. */
  boolean writeQueueFull();

  /** Called (on the caller's context) once a full write queue has drained. */
  void onDrain(Runnable handler);

  /** Called (on the caller's context) when the client goes away before the end. */
  void onClose(Runnable handler);

  /** Ends the response after the final event. */
  void end();
}
