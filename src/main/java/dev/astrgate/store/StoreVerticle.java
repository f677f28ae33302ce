package dev.astrgate.store;

import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.net.NetClientOptions;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.pgclient.PgException;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Owns the node's PostgreSQL access ({@link StoreAccess}): publishes it for {@link StoreClient}s on start, runs the
 * housekeeping, and closes every pool on stop.
 */
public final class StoreVerticle extends VerticleBase {
  private static final Logger LOG = LoggerFactory.getLogger(StoreVerticle.class);
  /** Callers off the event loops (start-up, the CLI path) and housekeeping need little. */
  private static final int HOME_POOL_SIZE = 2;

  private final PgConnectOptions connectOptions;
  private final int perContextSize;
  private StoreAccess access;
  private long pruneTimer = -1;

  /** {@code perContextSize}: connections of each event-loop context's pool. */
  public StoreVerticle(PgConnectOptions connectOptions, int perContextSize) {
    this.connectOptions = connectOptions;
    this.perContextSize = perContextSize;
  }

  @Override
  public Future<?> start() {
    Repositories home = Repositories.over(vertx, createPool(vertx, connectOptions, HOME_POOL_SIZE, "astrgate-pg-home"));
    access = new StoreAccess(vertx, connectOptions, perContextSize, home);
    vertx.sharedData().getLocalMap(StoreAccess.MAP).put(StoreAccess.KEY, access);
    // Rate-limit windows older than a day are useless; prune hourly.
    pruneTimer = vertx.setPeriodic(60_000, 3_600_000, id -> home.chat()
        .pruneRateLimits(System.currentTimeMillis() / 1000 - 86_400)
        .onFailure(err -> LOG.debug("rate limit prune failed reason={}", err.toString())));
    return Future.succeededFuture();
  }

  /** The pool settings every node and the CLI share: short connect timeouts so an outage answers 503 fast. */
  public static Pool createPool(io.vertx.core.Vertx vertx, PgConnectOptions options, int size) {
    return createPool(vertx, options, size, "astrgate-pg");
  }

  /** The same, under its own name in the pool metrics ({@code pool_name}). */
  static Pool createPool(io.vertx.core.Vertx vertx, PgConnectOptions options, int size, String name) {
    PgConnectOptions o = new PgConnectOptions(options)
        .setReconnectAttempts(0)
        .setCachePreparedStatements(true)
        .setPipeliningLimit(256);
    // The wait queue is generous on purpose: closing 10,000 streams at once queues two writes each (the partial
    // replies), and refusing them would lose rows; the 5 s connection timeout still bounds every wait. Idle
    // connections stay open (the pools are small): a reconnect is a new backend and, with a password, a SCRAM
    // exchange; with a 60 s idle timeout a pool used only now and then (a key touch) reconnected each time.
    return PgBuilder.pool()
        .with(new NetClientOptions().setConnectTimeout(3000))
        .with(new PoolOptions().setMaxSize(size).setConnectionTimeout(5).setIdleTimeout(0).setMaxWaitQueueSize(65_536)
            .setName(name).setShared(false))
        .connectingTo(o)
        .using(vertx)
        .build();
  }

  /** Connection-level failures (refused, reset, timed out, server shutting down) as opposed to SQL errors. */
  public static boolean isUnavailable(Throwable t) {
    if (t instanceof PgException pg) {
      String state = pg.getSqlState();
      return state != null && (state.startsWith("08") || state.startsWith("57P"));
    }
    return true;
  }

  @Override
  public Future<?> stop() {
    vertx.cancelTimer(pruneTimer);
    vertx.sharedData().getLocalMap(StoreAccess.MAP).remove(StoreAccess.KEY, access);
    return access == null ? Future.succeededFuture() : access.close();
  }
}
