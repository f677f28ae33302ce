package dev.astrgate.platform.route;

import dev.astrgate.cluster.ClusterInfo;
import dev.astrgate.platform.SendFailure;
import dev.astrgate.platform.SendRequest;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Which live inbound connection of a platform receives sends, cluster-wide. The newest connection wins: it takes a
 * fresh epoch from a cluster counter, writes its {@link OwnerEntry} into the cluster map only while no higher epoch
 * is there, takes the platform's sends through {@link PlatformRouting#serve} and tells the other nodes, whose older
 * connections stop taking sends but stay open as standbys. A connection that closes removes the entry by
 * compare-and-delete on its own value, so a late teardown of an old connection never removes the new one
 * (upstream #10154); the entry it did remove is announced vacant and the newest standby anywhere takes over.
 * A periodic reconcile removes entries of dead members and repairs anything a lost notice left behind.
 * All state lives on one context and every operation runs to completion before the next starts.
 */
public final class InboundOwnership {
  private static final Logger LOG = LoggerFactory.getLogger(InboundOwnership.class);
  static final long RECONCILE_MS = 2_000;

  /** One live inbound connection as ownership sees it; {@code deliver} must be callable from any thread. */
  public interface Link {
    String id();

    Future<SendRequest.Result> deliver(SendRequest send);

    /** The context the connection's I/O runs on; sends are taken there, saving a thread hop per send. */
    Context context();
  }

  private final Vertx vertx;
  private final Context context;
  private final String platformId;
  private final ClusterInfo cluster;
  private final PlatformRouting routing;
  private final OwnerMap owners;
  private final List<Link> live = new ArrayList<>();
  private MessageConsumer<JsonObject> notices;
  private PlatformRouting.Registration sends;
  private volatile Link current;
  private OwnerEntry currentValue;
  private Future<Void> chain = Future.succeededFuture();
  private long timer = -1;
  private boolean stopped;

  public InboundOwnership(Vertx vertx, Context context, String platformId, PlatformRouting routing) {
    this.vertx = vertx;
    this.context = context;
    this.platformId = platformId;
    this.routing = routing;
    this.cluster = routing.cluster();
    this.owners = routing.owners();
  }

  /** Call on the owning context. */
  public Future<Void> start() {
    return owners.open().compose(v -> {
      notices = owners.onNotice(this::onNotice);
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

  /** Delivers on the owned connection; fails while this node does not own the platform. */
  public Future<SendRequest.Result> deliver(SendRequest send) {
    Link link = current;
    if (link == null) {
      return Future.failedFuture(new SendFailure(SendFailure.REFUSED,
          "the connection of platform " + platformId + " is changing owner, retry"));
    }
    return link.deliver(send);
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

  private OwnerEntry valueFor(Link link, long epoch) {
    return new OwnerEntry(cluster.nodeName(), cluster.nodeId(), link.id(), epoch, Instant.now().toString(), false);
  }

  /** A new connection: take the entry unless one with a higher epoch is already there. */
  private Future<Void> claimNewest(Link link) {
    if (!live.contains(link)) {
      return Future.succeededFuture();
    }
    return routing.owners().nextEpoch(platformId).compose(epoch -> {
      OwnerEntry value = valueFor(link, epoch);
      return owners.claimIfNewest(platformId, value).compose(won -> {
        if (!won) {
          LOG.info("platform connection standby id={} node={} connection={} epoch={}", platformId, cluster.nodeName(),
              link.id(), epoch);
          return Future.succeededFuture();
        }
        return becomeOwner(link, value);
      });
    });
  }

  private Future<Void> becomeOwner(Link link, OwnerEntry value) {
    if (!live.contains(link)) {
      return release(value);
    }
    if (current != null && current != link) {
      LOG.info("platform connection standby id={} node={} connection={} reason=newer connection", platformId,
          cluster.nodeName(), current.id());
    }
    return unregisterSends().compose(v -> routing.serve(platformId, link.context(), link::deliver)).compose(reg -> {
      sends = reg;
      current = link;
      currentValue = value;
      owners.announce(platformId, value);
      LOG.info("platform connected id={} node={} connection={} epoch={}", platformId, cluster.nodeName(), link.id(),
          value.epoch());
      // A higher epoch may have landed while the consumer registered; the map is the truth.
      return owners.entry(platformId);
    }).compose(cur -> cur != null && link.id().equals(cur.connectionId())
        ? Future.succeededFuture() : yieldSends("superseded during claim"));
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
    PlatformRouting.Registration r = sends;
    sends = null;
    return r == null ? Future.succeededFuture() : r.close();
  }

  private Future<Void> onClosed(Link link) {
    if (link != current) {
      LOG.info("platform connection closed id={} node={} connection={} owner=false", platformId, cluster.nodeName(),
          link.id());
      return Future.succeededFuture();
    }
    OwnerEntry value = currentValue;
    current = null;
    currentValue = null;
    return unregisterSends().compose(v -> release(value)).compose(v -> promote());
  }

  /** Compare-and-delete: only our own value is removed, never a newer owner's. */
  private Future<Void> release(OwnerEntry value) {
    return owners.release(platformId, value).map(removed -> {
      LOG.info("platform disconnected id={} node={} connection={} epoch={} entry_removed={}", platformId,
          cluster.nodeName(), value.connectionId(), value.epoch(), removed);
      return null;
    });
  }

  /** Vacant entry: the newest local standby tries to take it; putIfAbsent picks one winner among all nodes. */
  private Future<Void> promote() {
    if (current != null || live.isEmpty()) {
      return Future.succeededFuture();
    }
    Link link = live.get(live.size() - 1);
    return owners.nextEpoch(platformId).compose(epoch -> {
      OwnerEntry value = valueFor(link, epoch);
      return owners.putIfAbsent(platformId, value).compose(won -> won ? becomeOwner(link, value)
          : Future.succeededFuture());
    });
  }

  private Future<Void> reconcile() {
    return owners.entry(platformId).compose(cur -> {
      if (cur == null) {
        if (current != null) {
          // Our entry vanished (removed by a node that thought us dead): put it back unless someone else is faster.
          return owners.putIfAbsent(platformId, currentValue).compose(won -> won ? Future.succeededFuture()
              : yieldSends("entry taken"));
        }
        return promote();
      }
      boolean mineNode = cluster.nodeId().equals(cur.nodeId());
      boolean mineLive = current != null && current.id().equals(cur.connectionId());
      if (mineLive) {
        return Future.succeededFuture();
      }
      if (mineNode || !cluster.isMember(cur.nodeId())) {
        // Stale: a connection of ours that is gone, or a member that died with its connection.
        return yieldSends("stale entry").compose(v -> release(cur)).compose(v -> promote());
      }
      return yieldSends("owned by " + cur.node());
    });
  }

  private void onNotice(OwnershipNotice n) {
    if (!platformId.equals(n.platformId())) {
      return;
    }
    if (n.event() == OwnershipNotice.Event.OWNER) {
      enqueue(() -> current != null && !current.id().equals(n.connectionId())
          && n.epoch() > OwnerEntry.epochOf(currentValue) ? yieldSends("newer connection") : Future.succeededFuture());
    } else {
      enqueue(this::promote);
    }
  }

  /** Gives the entry up (compare-and-delete) and stops taking sends; connections are closed by the adapter. */
  public Future<Void> stop() {
    stopped = true;
    if (timer >= 0) {
      vertx.cancelTimer(timer);
    }
    OwnerEntry value = currentValue;
    current = null;
    currentValue = null;
    Future<Void> n = notices == null ? Future.succeededFuture() : notices.unregister();
    return chain.transform(ignored -> n).transform(ignored -> unregisterSends())
        .transform(ignored -> value == null ? Future.succeededFuture() : release(value))
        .recover(err -> Future.succeededFuture());
  }
}
