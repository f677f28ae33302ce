package dev.astrgate.platform;

import io.vertx.core.Future;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Runs tasks one after another per key (per chat session), different keys concurrently, so a user's messages reach
 * the pipeline in order while other users are not kept waiting. Not thread-safe: use from one context.
 */
public final class SerialQueue {
  private final Map<String, Future<?>> tails = new HashMap<>();

  public <T> Future<T> submit(String key, Supplier<Future<T>> task) {
    Future<?> tail = tails.getOrDefault(key, Future.succeededFuture());
    Future<T> next = tail.transform(ignored -> {
      try {
        return task.get();
      } catch (RuntimeException e) {
        return Future.failedFuture(e);
      }
    });
    tails.put(key, next);
    next.onComplete(ar -> tails.remove(key, next));
    return next;
  }

  public int size() {
    return tails.size();
  }
}
