package dev.astrgate.platform.route;

import dev.astrgate.cluster.Addresses;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import io.vertx.core.shareddata.AsyncMap;

/**
 * The ownership records: {@link OwnerEntry} values in the cluster map {@code astrgate.platform.connections} and
 * {@link OwnershipNotice}s on {@code platform.ownership}. The map is the truth; notices only speed things up.
 */
public final class OwnerMap {
  private final Vertx vertx;
  private volatile AsyncMap<String, JsonObject> map;

  OwnerMap(Vertx vertx) {
    this.vertx = vertx;
  }

  /** Listens to ownership notices on the caller's context. */
  public MessageConsumer<JsonObject> onNotice(Handler<OwnershipNotice> handler) {
    return Addresses.PLATFORM_OWNERSHIP.consumer(vertx.eventBus(), msg -> {
      OwnershipNotice n = OwnershipNotice.fromJson(msg.body());
      if (n != null) {
        handler.handle(n);
      }
    });
  }

  /** Tells every node (and this one's routing client) that {@code e} holds the platform now. */
  public void announce(String platformId, OwnerEntry e) {
    publish(OwnershipNotice.owner(platformId, e));
  }

  private void publish(OwnershipNotice n) {
    vertx.eventBus().publish(Addresses.PLATFORM_OWNERSHIP.name(), n.toJson(), Addresses.PLATFORM_OWNERSHIP.delivery());
  }

  /** Resolves the cluster map once, so later reads skip that step. */
  public Future<Void> open() {
    return map().mapEmpty();
  }

  private Future<AsyncMap<String, JsonObject>> map() {
    AsyncMap<String, JsonObject> m = map;
    return m != null ? Future.succeededFuture(m)
        : vertx.sharedData().<String, JsonObject>getAsyncMap(Addresses.PLATFORM_CONNECTIONS_MAP).onSuccess(x -> map = x);
  }

  public Future<OwnerEntry> entry(String platformId) {
    return map().compose(m -> m.get(platformId)).map(OwnerEntry::fromJson);
  }

  /** Writes the entry unconditionally (a holder under a cluster lock is the only writer) and announces it. */
  public Future<Void> put(String platformId, OwnerEntry e) {
    return map().compose(m -> m.put(platformId, e.toJson()));
  }

  /** True when there was no entry and ours is now in. */
  public Future<Boolean> putIfAbsent(String platformId, OwnerEntry e) {
    return map().compose(m -> m.putIfAbsent(platformId, e.toJson())).map(prev -> prev == null);
  }

  /** Writes the entry only while no higher epoch is there (get, then putIfAbsent / replaceIfPresent, retried). */
  public Future<Boolean> claimIfNewest(String platformId, OwnerEntry e) {
    return map().compose(m -> casMax(m, platformId, e, 0));
  }

  private Future<Boolean> casMax(AsyncMap<String, JsonObject> m, String key, OwnerEntry e, int attempt) {
    if (attempt > 16) {
      return Future.failedFuture(new IllegalStateException("connection map kept changing"));
    }
    return m.get(key).compose(cur -> {
      if (cur == null) {
        return m.putIfAbsent(key, e.toJson()).compose(prev -> prev == null ? Future.succeededFuture(true)
            : casMax(m, key, e, attempt + 1));
      }
      if (OwnerEntry.epochOf(OwnerEntry.fromJson(cur)) > e.epoch()) {
        return Future.succeededFuture(false);
      }
      return m.replaceIfPresent(key, cur, e.toJson()).compose(ok -> ok ? Future.succeededFuture(true)
          : casMax(m, key, e, attempt + 1));
    });
  }

  /** Compare-and-delete: only this very entry is removed, never a newer holder's; a removal is announced vacant. */
  public Future<Boolean> release(String platformId, OwnerEntry e) {
    return map().compose(m -> m.removeIfPresent(platformId, e.toJson())).onSuccess(removed -> {
      if (removed) {
        publish(OwnershipNotice.vacant(platformId, e));
      }
    });
  }

  /** The next ownership epoch of a platform, from a cluster counter. */
  public Future<Long> nextEpoch(String platformId) {
    return vertx.sharedData().getCounter(Addresses.platformEpoch(platformId)).compose(c -> c.incrementAndGet());
  }
}
