package dev.astrgate.platform.telegram;

import dev.astrgate.cluster.Addresses;
import dev.astrgate.cluster.ClusterInfo;
import dev.astrgate.platform.SendRequest;
import dev.astrgate.platform.SerialQueue;
import dev.astrgate.platform.route.OwnerEntry;
import dev.astrgate.platform.route.PlatformRouting;
import dev.astrgate.store.StoreClient;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.shareddata.Lock;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.function.LongConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The single getUpdates loop of one Telegram platform, run by exactly one node under the cluster lock
 * {@code platform.<id>.poller} (Hazelcast frees the locks of dead members); the other nodes retry every second.
 *
 * <p>Exactly-once across failover: a fetched batch is written to PostgreSQL ({@code preferences}: scope
 * {@code platform}, key {@code telegram_offset}, value {@code {val: next offset, pending: [updates], lease}}) before
 * any of it is handled and before the next getUpdates acknowledges it to Telegram. Each update leaves
 * {@code pending} once its handler finished. A new poller first finishes what is pending, then polls from
 * {@code val}. The {@code lease} number, raised by every new poller, fences off writes of a deposed one.
 * Runs on one context.
 */
final class TelegramPoller {
  private static final Logger LOG = LoggerFactory.getLogger(TelegramPoller.class);
  static final String SCOPE = "platform";
  static final String KEY = "telegram_offset";
  private static final long RETRY_MS = 1_000;

  private final Vertx vertx;
  private final String platformId;
  private final TelegramApi api;
  private final StoreClient store;
  private final PlatformRouting routing;
  private final ClusterInfo cluster;
  private final long pollTimeoutSeconds;
  private final Function<JsonObject, Future<Void>> handler;
  private final Function<SendRequest, Future<SendRequest.Result>> deliver;
  private final LongConsumer onLead;
  private final Map<Long, JsonObject> pending = new LinkedHashMap<>();
  private final Set<Long> started = new HashSet<>();
  private final SerialQueue chats = new SerialQueue();
  private PlatformRouting.Registration sends;
  private OwnerEntry entry;
  private Lock lock;
  private long generation;
  private boolean leading;
  private boolean stopped;
  private long retryTimer = -1;
  private long lease;
  private long offset;
  private boolean dirty;
  private Future<Void> commitTail = Future.succeededFuture();
  private boolean commitQueued;
  private long lastPollWarning;

  /** {@code handler} takes one update to its end; {@code deliver} serves sends while polling; {@code onLead} gets each generation. */
  TelegramPoller(Vertx vertx, String platformId, TelegramApi api, StoreClient store, PlatformRouting routing,
                 long pollTimeoutSeconds, Function<JsonObject, Future<Void>> handler,
                 Function<SendRequest, Future<SendRequest.Result>> deliver, LongConsumer onLead) {
    this.vertx = vertx;
    this.platformId = platformId;
    this.api = api;
    this.store = store;
    this.routing = routing;
    this.cluster = routing.cluster();
    this.pollTimeoutSeconds = pollTimeoutSeconds;
    this.handler = handler;
    this.deliver = deliver;
    this.onLead = onLead;
  }

  boolean leading() {
    return leading;
  }

  /** True while {@code gen} is the current leadership. */
  boolean current(long gen) {
    return gen == generation && leading;
  }

  void start() {
    tryLead();
  }

  // ---- leadership -------------------------------------------------------------------------------------------

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
    store.bumpLease(SCOPE, platformId, KEY, new JsonObject().put("val", 0L).put("pending", new JsonArray()))
        .compose(state -> {
          lease = state.getLong("lease");
          offset = state.getLong("val", 0L);
          pending.clear();
          started.clear();
          for (Object o : state.getJsonArray("pending", new JsonArray())) {
            JsonObject u = (JsonObject) o;
            pending.put(u.getLong("update_id"), u);
          }
          return routing.serve(platformId, vertx.getOrCreateContext(), deliver);
        })
        .compose(reg -> {
          sends = reg;
          return announce(gen);
        })
        .onSuccess(v -> {
          LOG.info("telegram poller active id={} node={} lease={} offset={} pending={}", platformId, cluster.nodeName(),
              lease, offset, pending.size());
          onLead.accept(gen);
          // Updates a previous poller stored but did not finish are dispatched by the first poll step.
          poll(gen);
        })
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
    LOG.info("telegram poller stopped id={} node={} reason={}", platformId, cluster.nodeName(), why);
    if (sends != null) {
      sends.close();
    }
    if (entry != null) {
      routing.owners().release(platformId, entry);
    }
    if (lock != null) {
      lock.release();
    }
    sends = null;
    entry = null;
    lock = null;
    if (!stopped) {
      retryTimer = vertx.setTimer(RETRY_MS, t -> tryLead());
    }
  }

  // ---- polling ----------------------------------------------------------------------------------------------

  private void poll(long gen) {
    if (gen != generation || stopped) {
      return;
    }
    // Nothing is acknowledged to Telegram (by the next offset) before it is in PostgreSQL.
    flush(gen).onFailure(err -> {
      if (gen == generation) {
        warnPoll("offset commit failed: " + err.getMessage());
        vertx.setTimer(RETRY_MS, t -> poll(gen));
      }
    }).onSuccess(v -> {
      dispatchStored(gen);
      fetch(gen);
    });
  }

  /** Hands every stored, not yet started update to its chat's queue, in update order. */
  private void dispatchStored(long gen) {
    for (JsonObject u : new ArrayList<>(pending.values())) {
      if (started.add(u.getLong("update_id"))) {
        dispatch(gen, u);
      }
    }
  }

  private void fetch(long gen) {
    JsonObject params = new JsonObject().put("timeout", pollTimeoutSeconds)
        .put("allowed_updates", new JsonArray().add("message"));
    if (offset > 0) {
      params.put("offset", offset);
    }
    api.call("getUpdates", params, (pollTimeoutSeconds + 15) * 1000).onComplete(ar -> {
      if (gen != generation || stopped) {
        return;
      }
      if (ar.failed()) {
        warnPoll(ar.cause().getMessage());
        vertx.setTimer(RETRY_MS, t -> poll(gen));
        return;
      }
      if (ar.result() instanceof JsonArray updates) {
        for (Object o : updates) {
          if (o instanceof JsonObject u && u.getValue("update_id") instanceof Number n && n.longValue() >= offset) {
            pending.put(n.longValue(), u);
            offset = Math.max(offset, n.longValue() + 1);
            dirty = true;
          }
        }
      }
      // poll() stores the batch first, then dispatches it, then fetches the next one.
      poll(gen);
    });
  }

  private void warnPoll(String why) {
    if (System.currentTimeMillis() - lastPollWarning > 30_000) {
      lastPollWarning = System.currentTimeMillis();
      LOG.warn("telegram poll failed id={} reason={}", platformId, why);
    }
  }

  /** Writes {@code {val, pending}} under our lease; coalesces: at most one commit queued behind the running one. */
  private Future<Void> flush(long gen) {
    if (commitQueued) {
      return commitTail;
    }
    commitQueued = true;
    commitTail = commitTail.transform(ignored -> {
      commitQueued = false;
      if (gen != generation) {
        return Future.failedFuture("not the poller any more");
      }
      if (!dirty) {
        return Future.succeededFuture();
      }
      dirty = false;
      JsonObject value = new JsonObject().put("val", offset).put("pending", new JsonArray(new ArrayList<>(pending.values())));
      return store.putIfLease(SCOPE, platformId, KEY, lease, value).transform(ar -> {
        if (ar.failed()) {
          dirty = true;
          return Future.failedFuture(ar.cause());
        }
        if (!ar.result()) {
          stepDown(gen, "lease taken by another node");
          return Future.failedFuture("lease lost");
        }
        return Future.succeededFuture();
      });
    });
    return commitTail;
  }

  /** One chat's updates run in order; different chats run side by side, so one slow chat holds up no other. */
  private void dispatch(long gen, JsonObject update) {
    long id = update.getLong("update_id");
    JsonObject msg = update.getValue("message") instanceof JsonObject m ? m : null;
    String key = msg != null && msg.getValue("chat") instanceof JsonObject c ? String.valueOf(c.getValue("id")) : "-";
    chats.submit(key, () -> handler.apply(update)).onComplete(ar -> {
      if (ar.failed()) {
        LOG.warn("telegram update failed id={} update_id={} reason={}", platformId, id, ar.cause().getMessage());
      }
      if (gen == generation) {
        pending.remove(id);
        started.remove(id);
        dirty = true;
        flush(gen);
      }
    });
  }

  /** Stops polling and gives up the lock, the entry and the sends; the caller closes the HTTP client first. */
  void stop() {
    stopped = true;
    if (retryTimer >= 0) {
      vertx.cancelTimer(retryTimer);
    }
    stepDown(generation, "node stopping");
  }
}
