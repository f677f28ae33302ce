package dev.astrgate.store;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.shareddata.Shareable;
import io.vertx.pgclient.PgConnectOptions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's way to PostgreSQL: each event-loop context that uses the store gets its own small pool, created on
 * first use on that context, so a query, its socket and its callback stay on the caller's thread. A store request
 * that hopped to a single store verticle and back cost 139–269 µs here; on the caller's own pool, 61–122 µs.
 * Callers off the event loops use the home pool. Held in a local map, so every verticle of the node finds it.
 */
final class StoreAccess implements Shareable {
  private static final Logger LOG = LoggerFactory.getLogger(StoreAccess.class);
  static final String MAP = "astrgate.store";
  static final String KEY = "access";

  private final Vertx vertx;
  private final PgConnectOptions options;
  private final int perContextSize;
  private volatile Repositories home;
  private final int timeoutMs;
  private final Map<Context, Repositories> byContext = new ConcurrentHashMap<>();
  private final AtomicInteger created = new AtomicInteger();
  private volatile boolean closed;
  /** Whether the last finished call found PostgreSQL unreachable (cleared by the next call that reaches it). */
  private volatile boolean unreachable;

  StoreAccess(Vertx vertx, PgConnectOptions options, int perContextSize, Repositories home, int timeoutMs) {
    this.timeoutMs = timeoutMs;
    this.vertx = vertx;
    this.options = options;
    this.perContextSize = perContextSize;
    this.home = home;
  }

  static StoreAccess of(Vertx vertx) {
    return (StoreAccess) vertx.sharedData().getLocalMap(MAP).get(KEY);
  }

  /** The repositories for the calling context. */
  Repositories current() {
    Context ctx = Vertx.currentContext();
    if (closed || !(ctx instanceof ContextInternal internal) || !ctx.isEventLoopContext()) {
      return home;
    }
    // One pool per verticle instance, not per request: duplicated contexts share their root's.
    ContextInternal root = internal.unwrap();
    Repositories repos = byContext.get(root);
    if (repos == null) {
      String name = "astrgate-pg-" + created.incrementAndGet();
      repos = Repositories.over(vertx, StoreVerticle.createPool(vertx, options, perContextSize, name, timeoutMs), true);
      byContext.put(root, repos);
      LOG.info("store pool created name={} size={} thread={}", name, perContextSize, Thread.currentThread().getName());
    }
    return repos;
  }

  /** The pool for callers off the event loops (it is replaced when discarded). */
  Repositories home() {
    return home;
  }

  void reached(boolean ok) {
    unreachable = !ok;
  }

  boolean unreachable() {
    return unreachable;
  }

  /** The bound on one storage call (ASTRGATE_DB_TIMEOUT_MS). */
  int timeoutMs() {
    return timeoutMs;
  }

  /**
   * Drops a pool that let a call run past its bound: its connections may sit behind a socket that swallowed bytes,
   * and a connection whose replies went missing could pair a later reply with the wrong query. Closing the pool
   * fails what is still queued on it (those callers answer 503 too); the next call on that context opens a new one.
   */
  void discard(Repositories repos) {
    if (closed) {
      return;
    }
    boolean dropped = byContext.values().remove(repos);
    if (repos == home) {
      home = Repositories.over(vertx, StoreVerticle.createPool(vertx, options, StoreVerticle.HOME_POOL_SIZE,
          "astrgate-pg-home", timeoutMs));
      dropped = true;
    }
    if (dropped) {
      LOG.warn("store pool discarded after a timeout; the next call opens a new one");
      repos.close();
    }
  }

  Future<Void> close() {
    closed = true;
    List<Future<Void>> all = new ArrayList<>();
    byContext.values().forEach(r -> all.add(r.close()));
    byContext.clear();
    all.add(home.close());
    return Future.join(all).mapEmpty();
  }
}
