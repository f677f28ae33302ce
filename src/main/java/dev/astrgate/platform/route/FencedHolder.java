package dev.astrgate.platform.route;

import dev.astrgate.cluster.Addresses;
import dev.astrgate.cluster.ClusterInfo;
import dev.astrgate.platform.SendRequest;
import dev.astrgate.store.StoreClient;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.core.shareddata.Lock;
import java.util.function.Function;
import java.util.function.Supplier;
import org.slf4j.Logger;

/**
 * The single holder of an outbound platform (Telegram's poller, Satori's connection): exactly one node holds the
 * cluster lock {@code platform.<id>.poller} (Hazelcast frees the locks of dead members), the others retry every second.
 *
 * <p>The holder raises a lease in its {@code preferences} row (scope {@code platform}) before anything else; every
 * later write of that row is conditional on the lease, so a deposed holder can write nothing, and losing the lease
 * steps down. While holding, it serves the platform's sends and has its {@link OwnerEntry} in the connection map.
 * On takeover the {@link Held} restores the row (pending work included), then resumes. Runs on one context.
 */
public final class FencedHolder {
  private static final long RETRY_MS = 1_000;
  static final String SCOPE = "platform";

  /** What the adapter does with the holdership; every call comes on the holder's context. */
  public interface Held {
    /** The row a first holder starts from (without the lease). */
    JsonObject initial();

    /** Takes over the stored row (its progress and pending work) before sends are served. */
    void restore(JsonObject state);

    /** The row to write now; {@code stored} runs once exactly this write is in PostgreSQL. */
    Write capture();

    /** Holding: finish what {@link #restore} found pending, then resume polling or connecting. */
    void resume(long gen);

    /** Stepping down, before the sends, the entry and the lock are given up. */
    void release();
  }

  /** One conditional write of the row and what counts as stored once it is in. */
  public record Write(JsonObject value, Runnable stored) {
    public Write(JsonObject value) {
      this(value, () -> { });
    }
  }

  private final Vertx vertx;
  private final String platformId;
  private final String key;
  private final StoreClient store;
  private final PlatformRouting routing;
  private final ClusterInfo cluster;
  private final Supplier<Context> context;
  private final Function<SendRequest, Future<SendRequest.Result>> deliver;
  private final Held held;
  private final Logger log;
  private final String what;
  private PlatformRouting.Registration sends;
  private OwnerEntry entry;
  private Lock lock;
  private long generation;
  private boolean leading;
  private boolean stopped;
  private long retryTimer = -1;
  private long lease;
  private boolean dirty;
  private Future<Void> commitTail = Future.succeededFuture();
  private boolean commitQueued;

  /** {@code key} names the row; {@code log} and {@code what} ("telegram poller") keep the adapter's log lines. */
  public FencedHolder(Vertx vertx, String platformId, String key, StoreClient store, PlatformRouting routing,
                      Supplier<Context> context, Function<SendRequest, Future<SendRequest.Result>> deliver,
                      Held held, Logger log, String what) {
    this.vertx = vertx;
    this.platformId = platformId;
    this.key = key;
    this.store = store;
    this.routing = routing;
    this.cluster = routing.cluster();
    this.context = context;
    this.deliver = deliver;
    this.held = held;
    this.log = log;
    this.what = what;
  }

  public boolean leading() {
    return leading;
  }

  /** True while {@code gen} is the current holdership. */
  public boolean current(long gen) {
    return gen == generation && leading;
  }

  public long generation() {
    return generation;
  }

  public boolean stopped() {
    return stopped;
  }

  public long lease() {
    return lease;
  }

  /** The row changed; the next {@link #flush} writes it. */
  public void markDirty() {
    dirty = true;
  }

  public void start() {
    tryLead();
  }

  private void tryLead() {
    retryTimer = -1;
    if (stopped) {
      return;
    }
    vertx.sharedData().getLockWithTimeout(Addresses.platformPoller(platformId), 200).onComplete(ar -> {
      if (stopped) {
        if (ar.succeeded()) {
          ar.result().release();
        }
        return;
      }
      if (ar.failed()) {
        retryTimer = vertx.setTimer(RETRY_MS, t -> tryLead());
      } else {
        lead(ar.result());
      }
    });
  }

  private void lead(Lock acquired) {
    long gen = ++generation;
    lock = acquired;
    leading = true;
    store.bumpLease(SCOPE, platformId, key, held.initial())
        .compose(state -> {
          lease = state.getLong("lease");
          held.restore(state);
          return routing.serve(platformId, context.get(), deliver);
        })
        .compose(reg -> {
          sends = reg;
          return announce(gen);
        })
        .onSuccess(v -> held.resume(gen))
        .onFailure(err -> stepDown(gen, "start failed: " + err.getMessage()));
  }

  /** Records this node as the holder in the connection map (we hold the lock: the only writer) and tells every node. */
  private Future<Void> announce(long gen) {
    OwnerEntry value = new OwnerEntry(cluster.nodeName(), cluster.nodeId(), null, lease, null, true);
    return routing.owners().put(platformId, value).onSuccess(v -> {
      if (gen == generation) {
        entry = value;
        routing.owners().announce(platformId, value);
      }
    });
  }

  private void stepDown(long gen, String why) {
    if (gen != generation || !leading) {
      return;
    }
    generation++;
    leading = false;
    log.info("{} stopped id={} node={} reason={}", what, platformId, cluster.nodeName(), why);
    held.release();
    PlatformRouting.Registration r = sends;
    sends = null;
    if (r != null) {
      r.close();
    }
    OwnerEntry mine = entry;
    entry = null;
    if (mine != null) {
      routing.owners().release(platformId, mine);
    }
    Lock l = lock;
    lock = null;
    if (l != null) {
      l.release();
    }
    if (!stopped) {
      retryTimer = vertx.setTimer(RETRY_MS, t -> tryLead());
    }
  }

  /**
   * Writes the row under our lease if it changed; coalesces: at most one commit queued behind the running one.
   * Fails with "lease lost" (after stepping down) when another node took the lease.
   */
  public Future<Void> flush(long gen) {
    if (commitQueued) {
      return commitTail;
    }
    commitQueued = true;
    commitTail = commitTail.transform(ignored -> {
      commitQueued = false;
      if (gen != generation) {
        return Future.failedFuture("not the holder any more");
      }
      if (!dirty) {
        return Future.succeededFuture();
      }
      dirty = false;
      Write write = held.capture();
      return store.putIfLease(SCOPE, platformId, key, lease, write.value()).transform(ar -> {
        if (ar.failed()) {
          dirty = true;
          return Future.failedFuture(ar.cause());
        }
        if (!ar.result()) {
          stepDown(gen, "lease taken by another node");
          return Future.failedFuture("lease lost");
        }
        write.stored().run();
        return Future.succeededFuture();
      });
    });
    return commitTail;
  }

  /** Gives up the lock, the entry and the sends for good. */
  public void stop() {
    stopped = true;
    if (retryTimer >= 0) {
      vertx.cancelTimer(retryTimer);
    }
    stepDown(generation, "node stopping");
  }
}
