package dev.astrgate.platform.telegram;

import dev.astrgate.cluster.ClusterInfo;
import dev.astrgate.platform.SendRequest;
import dev.astrgate.platform.SerialQueue;
import dev.astrgate.platform.route.FencedHolder;
import dev.astrgate.platform.route.PlatformRouting;
import dev.astrgate.store.StoreClient;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
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
 * The single getUpdates loop of one Telegram platform, run by the {@link FencedHolder} of the cluster lock
 * {@code platform.<id>.poller} (Hazelcast frees the locks of dead members); the other nodes retry every second.
 *
 * <p>Exactly-once across failover: a fetched batch is written to PostgreSQL ({@code preferences}: scope
 * {@code platform}, key {@code telegram_offset}, value {@code {val: next offset, pending: [updates], lease}}) before
 * any of it is handled and before the next getUpdates acknowledges it to Telegram. Each update leaves
 * {@code pending} once its handler finished. A new poller first finishes what is pending, then polls from
 * {@code val}. The {@code lease} number, raised by every new poller, fences off writes of a deposed one.
 * Runs on one context.
 */
final class TelegramPoller implements FencedHolder.Held {
  private static final Logger LOG = LoggerFactory.getLogger(TelegramPoller.class);
  static final String KEY = "telegram_offset";
  private static final long RETRY_MS = 1_000;

  private final Vertx vertx;
  private final String platformId;
  private final TelegramApi api;
  private final ClusterInfo cluster;
  private final long pollTimeoutSeconds;
  private final Function<JsonObject, Future<Void>> handler;
  private final LongConsumer onLead;
  private final FencedHolder holder;
  private final Map<Long, JsonObject> pending = new LinkedHashMap<>();
  private final Set<Long> started = new HashSet<>();
  private final SerialQueue chats = new SerialQueue();
  private long offset;
  private long lastPollWarning;

  /** {@code handler} takes one update to its end; {@code deliver} serves sends while polling; {@code onLead} gets each generation. */
  TelegramPoller(Vertx vertx, String platformId, TelegramApi api, StoreClient store, PlatformRouting routing,
                 long pollTimeoutSeconds, Function<JsonObject, Future<Void>> handler,
                 Function<SendRequest, Future<SendRequest.Result>> deliver, LongConsumer onLead) {
    this.vertx = vertx;
    this.platformId = platformId;
    this.api = api;
    this.cluster = routing.cluster();
    this.pollTimeoutSeconds = pollTimeoutSeconds;
    this.handler = handler;
    this.onLead = onLead;
    this.holder = new FencedHolder(vertx, platformId, KEY, store, routing, vertx::getOrCreateContext, deliver, this,
        LOG, "telegram poller");
  }

  boolean leading() {
    return holder.leading();
  }

  /** True while {@code gen} is the current leadership. */
  boolean current(long gen) {
    return holder.current(gen);
  }

  void start() {
    holder.start();
  }

  // ---- holdership -------------------------------------------------------------------------------------------

  @Override
  public JsonObject initial() {
    return new JsonObject().put("val", 0L).put("pending", new JsonArray());
  }

  @Override
  public void restore(JsonObject state) {
    offset = state.getLong("val", 0L);
    pending.clear();
    started.clear();
    for (Object o : state.getJsonArray("pending", new JsonArray())) {
      JsonObject u = (JsonObject) o;
      pending.put(u.getLong("update_id"), u);
    }
  }

  @Override
  public FencedHolder.Write capture() {
    return new FencedHolder.Write(new JsonObject().put("val", offset)
        .put("pending", new JsonArray(new ArrayList<>(pending.values()))));
  }

  @Override
  public void resume(long gen) {
    LOG.info("telegram poller active id={} node={} lease={} offset={} pending={}", platformId, cluster.nodeName(),
        holder.lease(), offset, pending.size());
    onLead.accept(gen);
    // Updates a previous poller stored but did not finish are dispatched by the first poll step.
    poll(gen);
  }

  @Override
  public void release() {
    // Nothing of ours to close: a running getUpdates is dropped by its generation check.
  }

  // ---- polling ----------------------------------------------------------------------------------------------

  private void poll(long gen) {
    if (gen != holder.generation() || holder.stopped()) {
      return;
    }
    // Nothing is acknowledged to Telegram (by the next offset) before it is in PostgreSQL.
    holder.flush(gen).onFailure(err -> {
      if (gen == holder.generation()) {
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
      if (gen != holder.generation() || holder.stopped()) {
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
            holder.markDirty();
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

  /** One chat's updates run in order; different chats run side by side, so one slow chat holds up no other. */
  private void dispatch(long gen, JsonObject update) {
    long id = update.getLong("update_id");
    JsonObject msg = update.getValue("message") instanceof JsonObject m ? m : null;
    String key = msg != null && msg.getValue("chat") instanceof JsonObject c ? String.valueOf(c.getValue("id")) : "-";
    chats.submit(key, () -> handler.apply(update)).onComplete(ar -> {
      if (ar.failed()) {
        LOG.warn("telegram update failed id={} update_id={} reason={}", platformId, id, ar.cause().getMessage());
      }
      if (gen == holder.generation()) {
        pending.remove(id);
        started.remove(id);
        holder.markDirty();
        holder.flush(gen);
      }
    });
  }

  /** Stops polling and gives up the lock, the entry and the sends; the caller closes the HTTP client first. */
  void stop() {
    holder.stop();
  }
}
