package dev.astrgate.platform;

import dev.astrgate.cluster.Addresses;
import dev.astrgate.cluster.ClusterInfo;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import io.vertx.core.shareddata.AsyncMap;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Which live inbound connection of a platform receives sends, cluster-wide. The newest connection wins: it takes a
 * fresh epoch from a cluster counter, writes {@code {node, node_id, connection_id, epoch}} into the cluster map only
 * while no higher epoch is there, registers {@code platform.<id>.send} and tells the other nodes, whose older
 * connections stop taking sends but stay open as standbys. A connection that closes removes the entry by
 * compare-and-delete on its own value, so a late teardown of an old connection never removes the new one
 * (upstream #10154); the entry it did remove is announced vacant and the newest standby anywhere takes over.
 * A periodic reconcile removes entries of dead members and repairs anything a lost notice left behind.
 * All state lives on one context and every operation runs to completion before the next starts.
 */
public final class InboundOwnership {
  private static final Logger LOG = LoggerFactory.getLogger(InboundOwnership.class);
  private static final long RECONCILE_MS = 2_000;

  /** One live inbound connection as ownership sees it; {@code deliver} must be callable from any thread. */
  public interface Link {
    String id();

    Future<JsonObject> deliver(JsonObject send);

    /** The context the connection's I/O runs on; its send consumer is registered there, saving a thread hop per send. */
    Context context();
  }

  private final Vertx vertx;
  private final Context context;
  private final String platformId;
  private final ClusterInfo cluster;
  private final List<Link> live = new ArrayList<>();
  private AsyncMap<String, JsonObject> map;
  private MessageConsumer<JsonObject> notices;
  private MessageConsumer<JsonObject> sends;
  private MessageConsumer<JsonObject> directSends;
  private volatile Link current;
  private JsonObject currentValue;
  private Future<Void> chain = Future.succeededFuture();
  private long timer = -1;
  private boolean stopped;

  public InboundOwnership(Vertx vertx, Context context, String platformId, ClusterInfo cluster) {
    this.vertx = vertx;
    this.context = context;
    this.platformId = platformId;
    this.cluster = cluster;
  }

  /** Call on the owning context. */
  public Future<Void> start() {
    return vertx.sharedData().<String, JsonObject>getAsyncMap(Addresses.PLATFORM_CONNECTIONS_MAP).compose(m -> {
      map = m;
      notices = vertx.eventBus().consumer(Addresses.PLATFORM_OWNERSHIP, this::onNotice);
      timer = vertx.setPeriodic(RECONCILE_MS, RECONCILE_MS, t -> enqueue(this::reconcile));
      return notices.completion();
    });
  }

  /** A connection passed its handshake; callable from any thread. */
  public void opened(Link link) {
    context.runOnContext(v -> {
      if (!stopped) {
        live.add(link);
        enqueue(() -> claimNewest(link));
      }
    });
  }

  /** A connection closed; callable from any thread. */
  public void closed(Link link) {
    context.runOnContext(v -> {
      live.remove(link);
      if (!stopped) {
        enqueue(() -> onClosed(link));
      }
    });
  }

  /** "owner" when this node takes the platform's sends, "standby" when it holds only superseded connections, else "idle". */
  public String state() {
    return current != null ? "owner" : live.isEmpty() ? "idle" : "standby";
  }

  /** Runs ownership operations strictly one after another; a failed one is logged and never blocks the next. */
  private void enqueue(Supplier<Future<Void>> op) {
    chain = chain.transform(ignored -> {
      if (stopped) {
        return Future.succeededFuture();
      }
      try {
        return op.get();
      } catch (RuntimeException e) {
        return Future.failedFuture(e);
      }
    }).recover(err -> {
      LOG.warn("platform ownership step failed id={} reason={}", platformId, err.toString());
      return Future.succeededFuture();
    });
  }

  private String key() {
    return platformId;
  }

  private JsonObject valueFor(Link link, long epoch) {
    return new JsonObject()
        .put("node", cluster.nodeName())
        .put("node_id", cluster.nodeId())
        .put("connection_id", link.id())
        .put("epoch", epoch)
        .put("since", Instant.now().toString());
  }

  private static long epochOf(JsonObject v) {
    return v == null ? -1 : v.getLong("epoch", -1L);
  }

  private Future<Long> nextEpoch() {
    return vertx.sharedData().getCounter(Addresses.platformEpoch(platformId)).compose(c -> c.incrementAndGet());
  }

  /** A new connection: take the entry unless one with a higher epoch is already there. */
  private Future<Void> claimNewest(Link link) {
    if (!live.contains(link)) {
      return Future.succeededFuture();
    }
    return nextEpoch().compose(epoch -> {
      JsonObject value = valueFor(link, epoch);
      return casMax(value, 0).compose(won -> {
        if (!won) {
          LOG.info("platform connection standby id={} node={} connection={} epoch={}", platformId, cluster.nodeName(),
              link.id(), epoch);
          return Future.succeededFuture();
        }
        return becomeOwner(link, value);
      });
    });
  }

  private Future<Boolean> casMax(JsonObject value, int attempt) {
    if (attempt > 16) {
      return Future.failedFuture(new IllegalStateException("connection map kept changing"));
    }
    return map.get(key()).compose(cur -> {
      if (cur == null) {
        return map.putIfAbsent(key(), value).compose(prev -> prev == null ? Future.succeededFuture(true)
            : casMax(value, attempt + 1));
      }
      if (epochOf(cur) > epochOf(value)) {
        return Future.succeededFuture(false);
      }
      return map.replaceIfPresent(key(), cur, value).compose(ok -> ok ? Future.succeededFuture(true)
          : casMax(value, attempt + 1));
    });
  }

  private Future<Void> becomeOwner(Link link, JsonObject value) {
    if (!live.contains(link)) {
      return release(value);
    }
    if (current != null && current != link) {
      LOG.info("platform connection standby id={} node={} connection={} reason=newer connection", platformId,
          cluster.nodeName(), current.id());
    }
    return unregisterSends().compose(v -> registerSends(link)).compose(v -> {
      current = link;
      currentValue = value;
      vertx.eventBus().publish(Addresses.PLATFORM_OWNERSHIP, new JsonObject().put("event", "owner")
          .put("platform_id", platformId).put("node_id", cluster.nodeId()).put("connection_id", link.id())
          .put("epoch", epochOf(value)));
      LOG.info("platform connected id={} node={} connection={} epoch={}", platformId, cluster.nodeName(), link.id(),
          epochOf(value));
      // A higher epoch may have landed while the consumer registered; the map is the truth.
      return map.get(key());
    }).compose(cur -> cur != null && link.id().equals(cur.getString("connection_id"))
        ? Future.succeededFuture() : yieldSends("superseded during claim"));
  }

  private Future<Void> registerSends(Link link) {
    io.vertx.core.Promise<List<MessageConsumer<JsonObject>>> registered = io.vertx.core.Promise.promise();
    link.context().runOnContext(v -> {
      MessageConsumer<JsonObject> c = vertx.eventBus().consumer(Addresses.platformSend(platformId), this::onSend);
      MessageConsumer<JsonObject> d = vertx.eventBus().consumer(Addresses.platformSendTo(platformId, cluster.nodeId()),
          this::onSend);
      Future.all(c.completion(), d.completion()).onComplete(ar -> {
        if (ar.succeeded()) {
          registered.complete(List.of(c, d));
        } else {
          c.unregister();
          d.unregister();
          registered.fail(ar.cause());
        }
      });
    });
    // Back on our context before touching state.
    io.vertx.core.Promise<Void> done = io.vertx.core.Promise.promise();
    registered.future().onComplete(ar -> context.runOnContext(x -> {
      if (ar.succeeded()) {
        sends = ar.result().get(0);
        directSends = ar.result().get(1);
        done.complete();
      } else {
        done.fail(ar.cause());
      }
    }));
    return done.future();
  }

  private Future<Void> yieldSends(String why) {
    if (current == null) {
      return Future.succeededFuture();
    }
    LOG.info("platform connection standby id={} node={} connection={} reason={}", platformId, cluster.nodeName(),
        current.id(), why);
    current = null;
    currentValue = null;
    return unregisterSends();
  }

  private Future<Void> unregisterSends() {
    MessageConsumer<JsonObject> c = sends;
    MessageConsumer<JsonObject> d = directSends;
    sends = null;
    directSends = null;
    return Future.join(c == null ? Future.succeededFuture() : c.unregister(),
        d == null ? Future.succeededFuture() : d.unregister()).mapEmpty();
  }

  private Future<Void> onClosed(Link link) {
    if (link != current) {
      LOG.info("platform connection closed id={} node={} connection={} owner=false", platformId, cluster.nodeName(),
          link.id());
      return Future.succeededFuture();
    }
    JsonObject value = currentValue;
    current = null;
    currentValue = null;
    return unregisterSends().compose(v -> release(value)).compose(v -> promote());
  }

  /** Compare-and-delete: only our own value is removed, never a newer owner's. */
  private Future<Void> release(JsonObject value) {
    return map.removeIfPresent(key(), value).map(removed -> {
      LOG.info("platform disconnected id={} node={} connection={} epoch={} entry_removed={}", platformId,
          cluster.nodeName(), value.getString("connection_id"), epochOf(value), removed);
      if (removed) {
        vertx.eventBus().publish(Addresses.PLATFORM_OWNERSHIP, new JsonObject().put("event", "vacant")
            .put("platform_id", platformId).put("node_id", value.getString("node_id")));
      }
      return null;
    });
  }

  /** Vacant entry: the newest local standby tries to take it; putIfAbsent picks one winner among all nodes. */
  private Future<Void> promote() {
    if (current != null || live.isEmpty()) {
      return Future.succeededFuture();
    }
    Link link = live.get(live.size() - 1);
    return nextEpoch().compose(epoch -> {
      JsonObject value = valueFor(link, epoch);
      return map.putIfAbsent(key(), value).compose(prev -> prev == null ? becomeOwner(link, value)
          : Future.succeededFuture());
    });
  }

  private Future<Void> reconcile() {
    return map.get(key()).compose(cur -> {
      if (cur == null) {
        if (current != null) {
          // Our entry vanished (removed by a node that thought us dead): put it back unless someone else is faster.
          JsonObject mine = currentValue;
          return map.putIfAbsent(key(), mine).compose(prev -> prev == null ? Future.succeededFuture()
              : yieldSends("entry taken"));
        }
        return promote();
      }
      boolean mineNode = cluster.nodeId().equals(cur.getString("node_id"));
      boolean mineLive = current != null && current.id().equals(cur.getString("connection_id"));
      if (mineLive) {
        return Future.succeededFuture();
      }
      if (mineNode || !cluster.isMember(cur.getString("node_id"))) {
        // Stale: a connection of ours that is gone, or a member that died with its connection.
        return yieldSends("stale entry").compose(v -> release(cur)).compose(v -> promote());
      }
      return yieldSends("owned by " + cur.getString("node"));
    });
  }

  private void onNotice(Message<JsonObject> msg) {
    JsonObject n = msg.body();
    if (n == null || !platformId.equals(n.getString("platform_id"))) {
      return;
    }
    if ("owner".equals(n.getString("event"))) {
      enqueue(() -> current != null && !current.id().equals(n.getString("connection_id"))
          && n.getLong("epoch", -1L) > epochOf(currentValue) ? yieldSends("newer connection") : Future.succeededFuture());
    } else if ("vacant".equals(n.getString("event"))) {
      enqueue(this::promote);
    }
  }

  private void onSend(Message<JsonObject> msg) {
    Link link = current;
    JsonObject body = msg.body();
    if (body != null && body.getBoolean("probe", false)) {
      msg.reply(new JsonObject().put("ok", true));
      return;
    }
    if (link == null) {
      msg.fail(SendFailure.REFUSED, "the connection of platform " + platformId + " is changing owner, retry");
      return;
    }
    link.deliver(body).onComplete(ar -> {
      if (ar.succeeded()) {
        msg.reply(ar.result() == null ? new JsonObject().put("ok", true) : ar.result());
      } else {
        msg.fail(SendFailure.codeOf(ar.cause()), String.valueOf(ar.cause().getMessage()));
      }
    });
  }

  /** Gives the entry up (compare-and-delete) and stops taking sends; connections are closed by the adapter. */
  public Future<Void> stop() {
    stopped = true;
    if (timer >= 0) {
      vertx.cancelTimer(timer);
    }
    JsonObject value = currentValue;
    current = null;
    currentValue = null;
    Future<Void> n = notices == null ? Future.succeededFuture() : notices.unregister();
    return chain.transform(ignored -> n).transform(ignored -> unregisterSends())
        .transform(ignored -> value == null || map == null ? Future.succeededFuture() : release(value))
        .recover(err -> Future.succeededFuture());
  }
}
