package dev.astrgate.http;

import dev.astrgate.chat.SseEvents;
import dev.astrgate.chat.TurnSink;
import dev.astrgate.metrics.GatewayMetrics;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;

/**
 * An SSE response as a turn's sink: frames are written the moment they are sent, in order, from whichever context
 * sends them; a comment heartbeat fills silences; the client's departure is reported back to the turn.
 */
final class SseResponse implements TurnSink {
  private static final String HEARTBEAT = ": heartbeat\n\n";

  private final Vertx vertx;
  private final Context httpContext;
  private final HttpServerResponse response;
  private final long heartbeatMillis;
  private volatile boolean full;
  private volatile boolean closed;
  private volatile boolean ended;
  private long lastWrite = System.currentTimeMillis();
  private Runnable closeHandler;
  private Context closeContext;
  private Runnable drainHandler;
  private Context drainContext;

  private final GatewayMetrics metrics;
  private boolean counted;
  private Runnable onDone;

  SseResponse(Vertx vertx, HttpServerResponse response, int heartbeatSeconds) {
    this.vertx = vertx;
    this.metrics = GatewayMetrics.of(vertx);
    this.httpContext = vertx.getOrCreateContext();
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
    Runnable h;
    Context c;
    synchronized (this) {
      h = closeHandler;
      c = closeContext;
    }
    if (h != null) {
      c.runOnContext(v -> h.run());
    }
  }

  @Override
  public void send(JsonObject event) {
    String frame = SseEvents.frame(event);
    if (Vertx.currentContext() == httpContext) {
      write(frame);
    } else {
      httpContext.runOnContext(v -> write(frame));
    }
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
        Runnable h;
        Context c;
        synchronized (this) {
          h = drainHandler;
          c = drainContext;
          drainHandler = null;
        }
        if (h != null) {
          c.runOnContext(x -> h.run());
        }
      });
    }
  }

  @Override
  public boolean writeQueueFull() {
    return full;
  }

  @Override
  public synchronized void onDrain(Runnable handler) {
    drainHandler = handler;
    drainContext = Vertx.currentContext() == null ? httpContext : Vertx.currentContext();
    if (!full) {
      drainHandler = null;
      drainContext.runOnContext(v -> handler.run());
    }
  }

  @Override
  public void onClose(Runnable handler) {
    Context ctx = Vertx.currentContext() == null ? httpContext : Vertx.currentContext();
    synchronized (this) {
      closeHandler = handler;
      closeContext = ctx;
    }
    if (closed) {
      ctx.runOnContext(v -> handler.run());
    }
  }

  @Override
  public void end() {
    httpContext.runOnContext(v -> {
      if (ended) {
        return;
      }
      ended = true;
      Heartbeats.leave(httpContext, this);
      uncount();
      if (!closed) {
        response.end();
      }
    });
  }
}
