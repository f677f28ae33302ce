package dev.astrgate.http;

import io.netty.handler.flush.FlushConsolidationHandler;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.net.impl.ConnectionBase;

/**
 * One system call for the frames one event-loop task writes to a connection. Vert.x flushes each write made outside
 * the connection's own read at once: a chat turn's closing frames, or the OneBot calls of several requests served in
 * one loop iteration, each cost a write(2). Netty's flush consolidation defers those flushes to the end of the task
 * (within a read of the connection, to its end, as before), so they leave together; nothing waits longer than the
 * task that wrote them.
 */
final class FlushCoalescing {
  private static final String NAME = "astrgate-flush-coalescing";

  private FlushCoalescing() {
  }

  static void install(HttpConnection conn) {
    if (conn instanceof ConnectionBase base && base.channel().pipeline().get(NAME) == null) {
      base.channel().pipeline().addFirst(NAME,
          new FlushConsolidationHandler(FlushConsolidationHandler.DEFAULT_EXPLICIT_FLUSH_AFTER_FLUSHES, true));
    }
  }
}
