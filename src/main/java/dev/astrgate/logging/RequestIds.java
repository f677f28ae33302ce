package dev.astrgate.logging;

import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.spi.context.storage.ContextLocal;

/**
 * The request id travels with the request's (duplicated) Vert.x context, so log lines written in async continuations
 * of that request carry it too. Thread-local MDC cannot do this on an event loop.
 */
public final class RequestIds {
  /** Registered before any Vert.x instance exists, as Vert.x requires. */
  private static final ContextLocal<String> RID = ContextLocal.registerLocal(String.class);

  private RequestIds() {
  }

  /** Forces registration; call before building Vert.x. */
  public static void init() {
    // class initialisation registers the local
  }

  public static void set(Context context, String requestId) {
    if (context != null) {
      RID.put(context, requestId);
    }
  }

  /** The id of the request whose context runs now, or null. */
  public static String current() {
    Context ctx = Vertx.currentContext();
    return ctx == null ? null : RID.get(ctx);
  }
}
