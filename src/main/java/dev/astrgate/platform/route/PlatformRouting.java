package dev.astrgate.platform.route;

import dev.astrgate.cluster.Addresses;
import dev.astrgate.cluster.ClusterInfo;
import dev.astrgate.platform.SendFailure;
import dev.astrgate.platform.SendRequest;
import dev.astrgate.store.StoreUnavailableException;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * The node's routing unit for platform sends and ownership, the only code that touches the send addresses, the
 * ownership notices and the connection map.
 *
 * <ul>
 *   <li>Server side, {@link #serve}: an adapter that holds a platform takes its sends here (and answers probes).</li>
 *   <li>Client side, {@link #send} and {@link #running}: {@code im/message} and replies. A platform held on this
 *       node is called directly, with no bus hop and no map read; otherwise the holder's node-addressed send address,
 *       known from notices or read from the map, else the platform's round-robin address.</li>
 *   <li>Ownership records: {@link OwnerEntry} in the map, {@link OwnershipNotice} on the bus, both through
 *       {@link OwnerMap}.</li>
 * </ul>
 * Thread-safe.
 */
public final class PlatformRouting {
  /** Above the adapters' own limits (OneBot API 10 s, Telegram 30 s per call) so their error text wins. */
  public static final long SEND_TIMEOUT_MS = 45_000;
  static final long PROBE_TIMEOUT_MS = 5_000;
  static final int STALE_RETRIES = 12;
  static final long STALE_RETRY_MS = 250;
  private static final JsonObject PROBE = new JsonObject().put("probe", true);

  /** A platform's send handler on this node. */
  private record Holder(Context context, Function<SendRequest, Future<SendRequest.Result>> deliver) {
  }

  /** Ends a {@link #serve}: the node stops taking the platform's sends. */
  public interface Registration {
    Future<Void> close();
  }

  private final Vertx vertx;
  private final ClusterInfo cluster;
  private final Map<String, Holder> local = new ConcurrentHashMap<>();
  private final Map<String, String> ownerNode = new ConcurrentHashMap<>();
  private final OwnerMap owners;
  private MessageConsumer<JsonObject> notices;

  public PlatformRouting(Vertx vertx, ClusterInfo cluster) {
    this.vertx = vertx;
    this.cluster = cluster;
    this.owners = new OwnerMap(vertx);
  }

  /** The ownership records: the connection map and the notices. */
  public OwnerMap owners() {
    return owners;
  }

  public ClusterInfo cluster() {
    return cluster;
  }

  public Future<Void> start() {
    return owners.open().compose(ignored -> {
      notices = owners.onNotice(n -> {
        if (n.event() == OwnershipNotice.Event.OWNER) {
          ownerNode.put(n.platformId(), n.nodeId());
        } else {
          ownerNode.remove(n.platformId(), n.nodeId());
        }
      });
      return notices.completion();
    });
  }

  public Future<Void> stop() {
    return notices == null ? Future.succeededFuture() : notices.unregister();
  }

  // ---- server side ------------------------------------------------------------------------------------------

  /**
   * This node takes the platform's sends on {@code context} until the registration closes: both send addresses are
   * registered there, and local callers reach {@code deliver} directly.
   */
  public Future<Registration> serve(String platformId, Context context,
                                    Function<SendRequest, Future<SendRequest.Result>> deliver) {
    Holder holder = new Holder(context, deliver);
    Promise<List<MessageConsumer<JsonObject>>> registered = Promise.promise();
    context.runOnContext(v -> {
      Handler<Message<JsonObject>> h = msg -> onSend(holder, msg);
      MessageConsumer<JsonObject> any = Addresses.platformSend(platformId).consumer(vertx.eventBus(), h);
      MessageConsumer<JsonObject> mine = Addresses.platformSendTo(platformId, cluster.nodeId())
          .consumer(vertx.eventBus(), h);
      Future.all(any.completion(), mine.completion()).onComplete(ar -> {
        if (ar.succeeded()) {
          registered.complete(List.of(any, mine));
        } else {
          any.unregister();
          mine.unregister();
          registered.fail(ar.cause());
        }
      });
    });
    return registered.future().map(consumers -> {
      local.put(platformId, holder);
      return () -> {
        local.remove(platformId, holder);
        return Future.join(consumers.get(0).unregister(), consumers.get(1).unregister()).mapEmpty();
      };
    });
  }

  /** A platform every node holds without the bus (webchat): sends from this node go straight to {@code deliver}. */
  public void serveLocally(String platformId, Function<SendRequest, Future<SendRequest.Result>> deliver) {
    local.put(platformId, new Holder(null, deliver));
  }

  /** The one endpoint: a probe is answered at once, a send goes to the holder and its outcome back as the reply. */
  private static void onSend(Holder holder, Message<JsonObject> msg) {
    JsonObject body = msg.body();
    if (body != null && body.getBoolean("probe", false)) {
      msg.reply(new JsonObject().put("ok", true));
      return;
    }
    SendRequest send;
    try {
      send = SendRequest.fromJson(body);
    } catch (SendFailure f) {
      msg.fail(f.code(), f.getMessage());
      return;
    }
    call(holder, send).onComplete(ar -> {
      if (ar.succeeded()) {
        msg.reply(ar.result().toJson());
      } else {
        msg.fail(SendFailure.codeOf(ar.cause()), String.valueOf(ar.cause().getMessage()));
      }
    });
  }

  private static Future<SendRequest.Result> call(Holder holder, SendRequest send) {
    try {
      Future<SendRequest.Result> r = holder.deliver().apply(send);
      return r.map(res -> res == null ? SendRequest.Result.NONE : res);
    } catch (RuntimeException e) {
      return Future.failedFuture(e);
    }
  }

  // ---- client side ------------------------------------------------------------------------------------------

  /** Delivers a send to whichever node holds its platform; fails with {@link SendError}. */
  public Future<SendRequest.Result> send(SendRequest send) {
    String platformId = send.platformId();
    Holder here = local.get(platformId);
    if (here != null) {
      // As over the bus: the adapter's own failures are refusals in its words; a bus or store failure stays one.
      // A store that cannot answer is the HTTP layer's 503, not the platform refusing the send.
      return call(here, send).recover(err -> Future.failedFuture(err instanceof StoreUnavailableException ? err
          : err instanceof ReplyException ? sendError(platformId, err)
              : new SendError(SendFailure.codeOf(err) == SendFailure.INVALID ? SendError.Kind.INVALID
              : SendError.Kind.REFUSED, String.valueOf(err.getMessage()))));
    }
    String generic = Addresses.platformSend(platformId).name();
    JsonObject body = send.toJson();
    return holderAddress(platformId).compose(address -> request(address, body, SEND_TIMEOUT_MS, 0).recover(err -> {
          // The holder we knew of has gone: fall back to whoever registered the platform's address.
          if (!address.equals(generic) && err instanceof ReplyException re
              && re.failureType() == ReplyFailure.NO_HANDLERS) {
            ownerNode.remove(platformId);
            return request(generic, body, SEND_TIMEOUT_MS, 0);
          }
          return Future.failedFuture(err);
        }))
        .map(reply -> SendRequest.Result.fromJson(reply.body()))
        .recover(err -> Future.failedFuture(sendError(platformId, err)));
  }

  /** The one probe: whether some node holds the platform (used only when a request is invalid anyway). */
  public Future<Boolean> running(String platformId) {
    if (local.containsKey(platformId)) {
      return Future.succeededFuture(true);
    }
    return vertx.eventBus().request(Addresses.platformSend(platformId).name(), PROBE,
            Addresses.platformSend(platformId).delivery(PROBE_TIMEOUT_MS))
        .transform(ar -> Future.succeededFuture(!(ar.failed() && ar.cause() instanceof ReplyException re
            && re.failureType() == ReplyFailure.NO_HANDLERS)));
  }

  /** The holder's node-addressed send address, or the plain {@code platform.<id>.send} when no holder is known. */
  private Future<String> holderAddress(String platformId) {
    String node = ownerNode.get(platformId);
    if (node != null && cluster.isMember(node)) {
      return Future.succeededFuture(Addresses.platformSendTo(platformId, node).name());
    }
    if (node != null) {
      ownerNode.remove(platformId, node);
    }
    String generic = Addresses.platformSend(platformId).name();
    return owners.entry(platformId).map(e -> {
      if (e != null && e.nodeId() != null && cluster.isMember(e.nodeId())) {
        ownerNode.putIfAbsent(platformId, e.nodeId());
        return Addresses.platformSendTo(platformId, e.nodeId()).name();
      }
      return generic;
    }).otherwise(generic);
  }

  /**
   * A request that tolerates a member that just died: the bus may still route to its stale registration for the
   * half second before the cluster drops it, which fails with ERROR and nothing delivered, so it is safe to retry
   * until the registrations are current again (then the answer is the new holder, or NO_HANDLERS).
   */
  public Future<Message<Object>> request(String address, Object body, long timeoutMs, int attempt) {
    return vertx.eventBus().request(address, body, new io.vertx.core.eventbus.DeliveryOptions()
        .setSendTimeout(timeoutMs)).recover(err -> {
          if (err instanceof ReplyException re && re.failureType() == ReplyFailure.ERROR
              && attempt < STALE_RETRIES && cluster.available()) {
            Promise<Void> later = Promise.promise();
            vertx.setTimer(STALE_RETRY_MS, t -> later.complete());
            return later.future().compose(v -> request(address, body, timeoutMs, attempt + 1));
          }
          return Future.failedFuture(err);
        });
  }

  /** Bus failures become {@link SendError}s; anything else (a store outage, say) is passed on as it is. */
  private static Throwable sendError(String platformId, Throwable err) {
    if (!(err instanceof ReplyException re)) {
      return err;
    }
    return switch (re.failureType()) {
      case NO_HANDLERS -> new SendError(SendError.Kind.NOT_RUNNING, platformId);
      case TIMEOUT -> new SendError(SendError.Kind.TIMEOUT, "platform " + platformId + " did not answer within "
          + SEND_TIMEOUT_MS / 1000 + " s");
      case RECIPIENT_FAILURE -> new SendError(re.failureCode() == SendFailure.INVALID ? SendError.Kind.INVALID
          : SendError.Kind.REFUSED, re.getMessage());
      default -> new SendError(SendError.Kind.UNAVAILABLE, String.valueOf(re.getMessage()));
    };
  }
}
