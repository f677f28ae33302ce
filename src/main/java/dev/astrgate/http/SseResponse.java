package dev.astrgate.http;

import dev.astrgate.chat.SseEvents;
import dev.astrgate.chat.TurnSink;
import dev.astrgate.metrics.GatewayMetrics;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.json.JsonObject;

/**
 * An SSE response as a turn's sink: frames are written the moment they are sent, in order, from whichever context
 * sends them; a comment heartbeat fills silences; the client's departure is reported back to the turn. Handlers
 * the turn registers are published through volatile fields, each with the context to run on, so no lock is taken.
 */
final class SseResponse implements TurnSink {
  private static final String HEARTBEAT = ": heartbeat\n\n";

  private final Vertx vertx;
  private final Context httpContext;
  private final Context httpRoot;
  private final HttpServerResponse response;
  private final long heartbeatMillis;
  private volatile boolean full;
  private volatile boolean closed;
  private volatile boolean ended;
  private long lastWrite = System.currentTimeMillis();
  private volatile Callback closeHandler;
  private volatile Callback drainHandler;

  /** A handler and the context it runs on. */
  private record Callback(Runnable handler, Context context) {
    void fire() {
      context.runOnContext(v -> handler.run());
    }
  }

  private final GatewayMetrics metrics;
  private boolean counted;
  private Runnable onDone;

  SseResponse(Vertx vertx, HttpServerResponse response, int heartbeatSeconds) {
    this.vertx = vertx;
    this.metrics = GatewayMetrics.of(vertx);
    this.httpContext = vertx.getOrCreateContext();
    this.httpRoot = ((ContextInternal) httpContext).unwrap();
    this.response = response;
    this.heartbeatMillis = Math.max(1, heartbeatSeconds) * 1000L;
  }

  /** Sends the headers; must run on the request's context. */
  void open() {
    response.setStatusCode(200)
        .putHeader("Content-Type", "text/event-stream")
        .putHeader("Cache-Control", "no-cache")
        .putHeader("Connection", "keep-alive")
        .putHeader("X-Accel-Buffering", "no")
        .setChunked(true);
    response.closeHandler(v -> clientGone());
    response.exceptionHandler(err -> clientGone());
    response.writeHead();
    metrics.streamOpened();
    counted = true;
    Heartbeats.join(httpContext, this);
  }

  /** Called each second by this event loop's {@link Heartbeats}. */
  void beatIfQuiet(long now) {
    if (!closed && !ended && now - lastWrite >= heartbeatMillis) {
      write(HEARTBEAT);
    }
  }

  /** Runs on the response's context only, so a plain flag is enough. */
  private void uncount() {
    if (counted) {
      counted = false;
      metrics.streamClosed();
      if (onDone != null) {
        onDone.run();
      }
    }
  }

  /** Runs once on the response's context when the stream ends or the client leaves. */
  void whenDone(Runnable cleanup) {
    onDone = cleanup;
  }

  boolean isClosed() {
    return closed;
  }

  private void clientGone() {
    if (ended || closed) {
      return;
    }
    closed = true;
    Heartbeats.leave(httpContext, this);
    uncount();
    Callback h = closeHandler;
    if (h != null) {
      h.fire();
    }
  }

  @Override
  public void send(JsonObject event) {
    sendFrame(SseEvents.frame(event));
  }

  @Override
  public void sendPlain(String text, boolean streaming, String chainType, String messageId) {
    sendFrame(SseEvents.plainFrame(text, streaming, chainType, messageId));
  }

  private void sendFrame(String frame) {
    if (onLoop()) {
      write(frame);
    } else {
      httpContext.runOnContext(v -> write(frame));
    }
  }

  /** On the response's event loop (its context or another context of the same loop), a frame is written at once. */
  private boolean onLoop() {
    Context c = Vertx.currentContext();
    return c == httpContext || (c instanceof ContextInternal ci && ci.unwrap() == httpRoot);
  }

  private void write(String frame) {
    if (closed || ended) {
      return;
    }
    response.write(frame);
    lastWrite = System.currentTimeMillis();
    if (response.writeQueueFull()) {
      full = true;
      response.drainHandler(v -> {
        full = false;
        Callback h = drainHandler;
        drainHandler = null;
        if (h != null) {
          h.fire();
        }
      });
    }
  }

  @Override
  public boolean writeQueueFull() {
    return full;
  }

  /**
   * Publishes the handler, then looks at {@code full}: the drain handler clears {@code full} before it reads the
   * handler, so of the two sides at least one sees the other and the handler runs (at most twice; resume is
   * idempotent). The same order guards {@link #onClose}.
   */
  @Override
  public void onDrain(Runnable handler) {
    Callback cb = new Callback(handler, Vertx.currentContext() == null ? httpContext : Vertx.currentContext());
    drainHandler = cb;
    if (!full) {
      drainHandler = null;
      cb.fire();
    }
  }

  @Override
  public void onClose(Runnable handler) {
    Callback cb = new Callback(handler, Vertx.currentContext() == null ? httpContext : Vertx.currentContext());
    closeHandler = cb;
    if (closed) {
      cb.fire();
    }
  }

  @Override
  public void end() {
    if (onLoop()) {
      finishResponse();
    } else {
      httpContext.runOnContext(v -> finishResponse());
    }
  }

  private void finishResponse() {
    if (ended) {
      return;
    }
    ended = true;
    Heartbeats.leave(httpContext, this);
    uncount();
    if (!closed) {
      response.end();
    }
  }
}
