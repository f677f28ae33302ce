package dev.astrgate.http;

import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.RoutingContext;

/**
 * Bounds the time a request body may take, so a client that stops sending, or a multipart body that ends without
 * its closing boundary (the body handler then waits for a part that never completes), gets an answer instead of a
 * hang: 408 when no byte arrived for {@code timeoutMs}, 400 when the request ended but the form never completed.
 * The connection is closed after such an answer, since the rest of the body could not be told from a next request.
 */
final class BodyGuard {
  private static final String TIMER = "astrgate.bodyTimer";
  private static final String REFUSED = "astrgate.bodyRefused";
  static final String READ = "astrgate.bodyRead";
  /** How long a finished request may wait for its form to complete before the form counts as unterminated. */
  private static final long ENDED_GRACE_MS = 2_000;

  private final Vertx vertx;
  private final long timeoutMs;

  BodyGuard(Vertx vertx, long timeoutMs) {
    this.vertx = vertx;
    this.timeoutMs = timeoutMs;
  }

  /** Runs {@code bodies} under the guard; GET and HEAD read no body. */
  Handler<RoutingContext> around(Handler<RoutingContext> bodies) {
    return ctx -> {
      if (!readsBody(ctx.request().method())) {
        ctx.put(READ, true);
        ctx.next();
        return;
      }
      HttpServerRequest req = ctx.request();
      long tick = Math.max(50, Math.min(500, timeoutMs / 4));
      long[] state = {req.bytesRead(), 0, 0}; // bytes at the last tick, idle ms, ms since the request ended
      long id = vertx.setPeriodic(tick, t -> {
        if (ctx.response().ended() || ctx.response().closed()) {
          vertx.cancelTimer(t);
          return;
        }
        if (req.isEnded()) {
          state[2] += tick;
          if (state[2] >= Math.min(ENDED_GRACE_MS, timeoutMs)) {
            refuse(ctx, t, 400, "Malformed multipart body: it ended before its closing boundary");
          }
          return;
        }
        long read = req.bytesRead();
        state[1] = read == state[0] ? state[1] + tick : 0;
        state[0] = read;
        if (state[1] >= timeoutMs) {
          refuse(ctx, t, 408, "Request body timed out: no data for " + timeoutMs + " ms");
        }
      });
      ctx.put(TIMER, id);
      bodies.handle(ctx);
    };
  }

  /** Only these carry a body here; Vert.x refuses to decode a form for any other method (it failed with a 500). */
  static boolean readsBody(HttpMethod m) {
    return m == HttpMethod.POST || m == HttpMethod.PUT || m == HttpMethod.PATCH || m == HttpMethod.DELETE;
  }

  /** The root handler after the body handler: the body is in, stop the clock (or stay silent once refused). */
  Handler<RoutingContext> done() {
    return ctx -> {
      Long id = ctx.get(TIMER);
      if (id != null) {
        vertx.cancelTimer(id);
      }
      if (ctx.get(REFUSED) != null) {
        return;
      }
      ctx.put(READ, true);
      ctx.next();
    };
  }

  private void refuse(RoutingContext ctx, long timer, int status, String message) {
    vertx.cancelTimer(timer);
    ctx.put(REFUSED, true);
    ctx.response().putHeader("Connection", "close").endHandler(v -> ctx.request().connection().close());
    Responses.error(ctx, status, message);
  }

  /** True when the body handler failed on the client's own form (bad framing, too many parts, a huge part header). */
  static boolean isFormFailure(Throwable t) {
    for (Throwable c = t; c != null; c = c.getCause()) {
      if (c.getClass().getName().startsWith("io.netty.handler.codec.http.multipart.")) {
        return true;
      }
      StackTraceElement[] st = c.getStackTrace();
      if (st.length > 0 && st[0].getClassName().startsWith("io.netty.handler.codec.http.multipart.")) {
        return true;
      }
    }
    return false;
  }
}
