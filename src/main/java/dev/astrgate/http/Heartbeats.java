package dev.astrgate.http;

import io.vertx.core.Context;
import io.vertx.core.internal.ContextInternal;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The heartbeat clock of the SSE streams on one event loop: one 1 s timer per loop sweeps its open streams, where a
 * timer per stream meant 10,000 timer wake-ups a second for 10,000 idle streams. Each loop's set is touched only
 * from that loop's thread.
 */
final class Heartbeats {
  private static final long SWEEP_MS = 1_000;
  private static final Map<Context, Heartbeats> LOOPS = new ConcurrentHashMap<>();

  private final ContextInternal root;
  private final Set<SseResponse> streams = new LinkedHashSet<>();
  private long timer = -1;

  private Heartbeats(ContextInternal root) {
    this.root = root;
  }

  /** Starts beating {@code stream}; call on the stream's own context. */
  static void join(Context context, SseResponse stream) {
    ContextInternal root = ((ContextInternal) context).unwrap();
    Heartbeats loop = LOOPS.computeIfAbsent(root, k -> new Heartbeats(root));
    loop.streams.add(stream);
    if (loop.timer < 0) {
      loop.timer = root.setPeriodic(SWEEP_MS, id -> loop.sweep());
    }
  }

  /** Stops beating {@code stream}; call on the stream's own context. */
  static void leave(Context context, SseResponse stream) {
    ContextInternal root = ((ContextInternal) context).unwrap();
    Heartbeats loop = LOOPS.get(root);
    if (loop != null && loop.streams.remove(stream) && loop.streams.isEmpty()) {
      root.owner().cancelTimer(loop.timer);
      loop.timer = -1;
      LOOPS.remove(root, loop);
    }
  }

  private void sweep() {
    long now = System.currentTimeMillis();
    for (SseResponse s : new ArrayList<>(streams)) {
      s.beatIfQuiet(now);
    }
  }
}
