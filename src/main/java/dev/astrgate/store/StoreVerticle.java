package dev.astrgate.store;

import dev.astrgate.cluster.Addresses;
import dev.astrgate.store.StoreRequests.FindAttachment;
import dev.astrgate.store.StoreRequests.FindKey;
import dev.astrgate.store.StoreRequests.ListSessions;
import dev.astrgate.store.StoreRequests.ReadChunk;
import dev.astrgate.store.StoreRequests.SaveAttachment;
import dev.astrgate.store.StoreRequests.TouchKey;
import dev.astrgate.store.StoreRequests.Ping;
import dev.astrgate.store.StoreRequests.BumpLease;
import dev.astrgate.store.StoreRequests.GetPreference;
import dev.astrgate.store.StoreRequests.PutIfLease;
import dev.astrgate.store.StoreRequests.ReadAttachment;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.net.NetClientOptions;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.pgclient.PgException;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Owns the node's PostgreSQL pool and answers store requests from the other verticles over the event bus. */
public final class StoreVerticle extends VerticleBase {
  private static final Logger LOG = LoggerFactory.getLogger(StoreVerticle.class);
  /** Failure code carried by a ReplyException when PostgreSQL is unreachable. */
  public static final int UNAVAILABLE = 503;
  public static final int FAILED = 500;

  private final PgConnectOptions connectOptions;
  private final int poolSize;
  private final List<MessageConsumer<?>> consumers = new ArrayList<>();
  private Pool pool;
  private long pruneTimer = -1;

  public StoreVerticle(PgConnectOptions connectOptions, int poolSize) {
    this.connectOptions = connectOptions;
    this.poolSize = poolSize;
  }

  @Override
  public Future<?> start() {
    pool = createPool(vertx, connectOptions, poolSize);
    KeyRepository keys = new KeyRepository(pool);
    SessionRepository sessions = new SessionRepository(pool);
    AttachmentRepository attachments = new AttachmentRepository(vertx, pool);
    PreferenceRepository preferences = new PreferenceRepository(pool);

    serve(Addresses.STORE_PING, (Ping p) -> pool.query("SELECT 1").execute().mapEmpty());
    serve(Addresses.STORE_KEY_FIND, (FindKey r) -> keys.findByHash(r.keyHash()));
    serve(Addresses.STORE_KEY_TOUCH, (TouchKey r) -> keys.touch(r.keyId()));
    serve(Addresses.STORE_SESSIONS_LIST, (ListSessions r) -> sessions.list(r.username(), r.platformId(), r.page(), r.pageSize()));
    serve(Addresses.STORE_ATTACHMENT_SAVE, (SaveAttachment r) -> attachments.save(r.tempFile(), r.filename(), r.mimeType(), r.type()));
    serve(Addresses.STORE_ATTACHMENT_FIND, (FindAttachment r) -> attachments.find(r.attachmentId()));
    serve(Addresses.STORE_ATTACHMENT_CHUNK, (ReadChunk r) -> attachments.chunk(r.attachmentId(), r.seq()));
    ChatRepository chat = new ChatRepository(pool, attachments);
    serve(Addresses.STORE_CHAT, (ChatOps.Op<Object> op) -> chat.execute(op));
    // Rate-limit windows older than a day are useless; prune hourly.
    pruneTimer = vertx.setPeriodic(60_000, 3_600_000, id -> chat.pruneRateLimits(System.currentTimeMillis() / 1000 - 86_400)
        .onFailure(err -> LOG.debug("rate limit prune failed reason={}", err.toString())));
    serve(Addresses.STORE_ATTACHMENT_READ, (ReadAttachment r) -> attachments.readAll(r.attachmentId(), r.maxBytes()));
    serve(Addresses.STORE_PREF_GET, (GetPreference r) -> preferences.get(r.scope(), r.scopeId(), r.key()));
    serve(Addresses.STORE_PREF_BUMP_LEASE, (BumpLease r) -> preferences.bumpLease(r.scope(), r.scopeId(), r.key(), r.initial()));
    serve(Addresses.STORE_PREF_PUT_IF_LEASE, (PutIfLease r) -> preferences.putIfLease(r.scope(), r.scopeId(), r.key(),
        r.lease(), r.value()));
    return Future.all(consumers.stream().map(MessageConsumer::completion).toList());
  }

  /** The pool settings every node and the CLI share: short connect timeouts so an outage answers 503 fast. */
  public static Pool createPool(io.vertx.core.Vertx vertx, PgConnectOptions options, int size) {
    PgConnectOptions o = new PgConnectOptions(options)
        .setReconnectAttempts(0)
        .setCachePreparedStatements(true)
        .setPipeliningLimit(256);
    return PgBuilder.pool()
        .with(new NetClientOptions().setConnectTimeout(3000))
        .with(new PoolOptions().setMaxSize(size).setConnectionTimeout(5).setIdleTimeout(60).setMaxWaitQueueSize(4096)
            .setName("astrgate-pg").setShared(false))
        .connectingTo(o)
        .using(vertx)
        .build();
  }

  private <T, R> void serve(String address, Function<T, Future<R>> op) {
    DeliveryOptions local = new DeliveryOptions().setLocalOnly(true);
    consumers.add(vertx.eventBus().<T>localConsumer(address, msg -> {
      Future<R> result;
      try {
        result = op.apply(msg.body());
      } catch (RuntimeException e) {
        result = Future.failedFuture(e);
      }
      result.onComplete(r -> {
        if (r.succeeded()) {
          msg.reply(r.result(), local);
        } else {
          Throwable cause = r.cause();
          if (isUnavailable(cause)) {
            msg.fail(UNAVAILABLE, "storage unavailable: " + cause.getMessage());
          } else {
            LOG.warn("store request failed address={} reason={}", address, cause.toString());
            msg.fail(FAILED, String.valueOf(cause.getMessage()));
          }
        }
      });
    }));
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
    return pool == null ? Future.succeededFuture() : pool.close();
  }
}
