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
  static final int HOME_POOL_SIZE = 2;

  /** ASTRGATE_DB_TIMEOUT_MS when nobody says otherwise (the CLI, test helpers). */
  public static final int DEFAULT_TIMEOUT_MS = 2000;

  private final PgConnectOptions connectOptions;
  private final int perContextSize;
  private final int timeoutMs;
  private StoreAccess access;
  private long pruneTimer = -1;

  /** {@code perContextSize}: connections of each event-loop context's pool; {@code timeoutMs}: the bound on every call. */
  public StoreVerticle(PgConnectOptions connectOptions, int perContextSize, int timeoutMs) {
    this.connectOptions = connectOptions;
    this.perContextSize = perContextSize;
    this.timeoutMs = timeoutMs;
  }

  @Override
  public Future<?> start() {
    Repositories home = Repositories.over(vertx, createPool(vertx, connectOptions, HOME_POOL_SIZE, "astrgate-pg-home", timeoutMs));
    access = new StoreAccess(vertx, connectOptions, perContextSize, home, timeoutMs);
    vertx.sharedData().getLocalMap(StoreAccess.MAP).put(StoreAccess.KEY, access);
    // Rate-limit windows older than a day are useless; prune hourly.
    pruneTimer = vertx.setPeriodic(60_000, 3_600_000, id -> access.home().chat()
        .pruneRateLimits(System.currentTimeMillis() / 1000 - 86_400)
        .onFailure(err -> LOG.debug("rate limit prune failed reason={}", err.toString())));
    return Future.succeededFuture();
  }

  /** The pool settings every node and the CLI share, with the default bound. */
  public static Pool createPool(io.vertx.core.Vertx vertx, PgConnectOptions options, int size) {
    return createPool(vertx, options, size, "astrgate-pg", DEFAULT_TIMEOUT_MS);
  }

  /**
   * A pool under its own name in the pool metrics ({@code pool_name}) whose every wait is bounded by
   * {@code timeoutMs}: the TCP connect and the wait for a connection. A connection stuck behind a half-open socket
   * (no query timeout of PostgreSQL's own can end that) is not left in the pool: the call on it runs past its bound
   * and {@link StoreAccess#discard} closes the pool it came from.
   */
  static Pool createPool(io.vertx.core.Vertx vertx, PgConnectOptions options, int size, String name, int timeoutMs) {
    PgConnectOptions o = new PgConnectOptions(options)
        .setReconnectAttempts(0)
        .setCachePreparedStatements(true)
        .setPipeliningLimit(256);
    // The wait queue is generous on purpose: closing 10,000 streams at once queues two writes each (the partial
    // replies), and refusing them would lose rows; the connection timeout still bounds every wait. Idle
    // connections stay open (the pools are small): a reconnect is a new backend and, with a password, a SCRAM
    // exchange; with a 60 s idle timeout a pool used only now and then (a key touch) reconnected each time.
    return PgBuilder.pool()
        .with(new NetClientOptions().setConnectTimeout(timeoutMs))
        .with(new PoolOptions().setMaxSize(size).setConnectionTimeout(poolWaitMs(timeoutMs))
            .setConnectionTimeoutUnit(java.util.concurrent.TimeUnit.MILLISECONDS)
            .setIdleTimeout(0).setMaxWaitQueueSize(65_536).setName(name).setShared(false))
        .connectingTo(o)
        .using(vertx)
        .build();
  }

  /**
   * Whether a failure means the database cannot serve us now (answer 503) rather than a fault of ours (500): by
   * SQLSTATE for server errors (08 connection exception, 57P operator intervention incl. 57P03 cannot connect now,
   * 53 insufficient resources such as too many connections, 58 system error, and any FATAL error, which ends the
   * session, e.g. 55000 "database is not currently accepting connections"), and for client-side failures by the
   * kind of exception anywhere in the cause chain: refused, reset or closed connections and timeouts.
   */
  public static boolean isUnavailable(Throwable t) {
    for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
      if (c instanceof StoreUnavailableException) {
        return true;
      }
      if (c instanceof PgException pg) {
        String state = pg.getSqlState() == null ? "" : pg.getSqlState();
        return state.startsWith("08") || state.startsWith("57P") || state.startsWith("53") || state.startsWith("58")
            || "FATAL".equals(pg.getSeverity()) || "PANIC".equals(pg.getSeverity());
      }
      if (c instanceof java.io.IOException || c instanceof java.util.concurrent.TimeoutException
          || c instanceof io.vertx.sqlclient.ClosedConnectionException
          || c instanceof io.netty.channel.ConnectTimeoutException) {
        return true;
      }
      String name = c.getClass().getSimpleName();
      String message = c.getMessage() == null ? "" : c.getMessage().toLowerCase(java.util.Locale.ROOT);
      // Vert.x reports a pool wait past its timeout and a closed pool or connection with plain exceptions.
      if (name.contains("Timeout") || (c instanceof io.vertx.core.VertxException || name.equals("NoStackTraceThrowable"))
          && (message.contains("timeout") || message.contains("timed out") || message.contains("closed"))) {
        return true;
      }
    }
    return false;
  }

  /**
   * The wait for a pooled connection ends a little before the call's bound, so a pool that is merely busy answers
   * "unavailable" on its own; only a call that ran past the bound counts as stuck (and gets its pool discarded).
   */
  static int poolWaitMs(int timeoutMs) {
    return Math.max(timeoutMs / 2, timeoutMs - 250);
  }

  @Override
  public Future<?> stop() {
    vertx.cancelTimer(pruneTimer);
    vertx.sharedData().getLocalMap(StoreAccess.MAP).remove(StoreAccess.KEY, access);
    return access == null ? Future.succeededFuture() : access.close();
  }
}
