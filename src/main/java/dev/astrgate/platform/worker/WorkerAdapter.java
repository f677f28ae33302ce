package dev.astrgate.platform.worker;

import dev.astrgate.cluster.ClusterInfo;
import dev.astrgate.message.MessageParts;
import dev.astrgate.platform.Attachments;
import dev.astrgate.platform.ChatBridge;
import dev.astrgate.platform.InboundMessage;
import dev.astrgate.platform.PlatformAdapter;
import dev.astrgate.platform.PlatformConfig;
import dev.astrgate.platform.PlatformEnv;
import dev.astrgate.platform.SendFailure;
import dev.astrgate.platform.SendRequest;
import dev.astrgate.platform.SerialQueue;
import dev.astrgate.platform.Umo;
import dev.astrgate.platform.WakeRule;
import dev.astrgate.platform.route.OwnerEntry;
import dev.astrgate.platform.route.OwnerMap;
import dev.astrgate.platform.route.PlatformRouting;
import dev.astrgate.store.StoreClient;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.shareddata.LocalMap;
import io.vertx.core.shareddata.Shareable;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A platform provided by an adapter worker over the TCP bridge (config type {@code worker}). The worker claims the
 * platform through the bridge of any node; that node's adapter becomes the holder through the ownership registry
 * (an epoch from the cluster counter, the entry written with {@code putIfAbsent}, compare-and-delete on release).
 * Unlike a OneBot reverse connection, the first claim wins: a second claim is refused while the holder's node is a
 * member and its connection lives. A disconnect or a ping timeout releases at once, and the next claim anywhere wins.
 * Ownership steps run one after another on the adapter's context.
 */
public final class WorkerAdapter implements PlatformAdapter, Shareable {
  public static final String TYPE = "worker";
  private static final Logger LOG = LoggerFactory.getLogger(WorkerAdapter.class);
  private static final String DIRECTORY = "astrgate.worker.adapters";
  static final long RECONCILE_MS = 2_000;

  private final PlatformEnv env;
  private final Vertx vertx;
  private final Context context;
  private final String platformId;
  private final ClusterInfo cluster;
  private final PlatformRouting routing;
  private final OwnerMap owners;
  private final WakeRule wake;
  private final ChatBridge chat;
  private final StoreClient store;
  private final long attachmentMaxBytes;
  private final long inlineMaxBytes;
  private final SerialQueue sessions = new SerialQueue();
  private Future<Void> chain = Future.succeededFuture();
  private volatile WorkerLink current;
  private OwnerEntry currentValue;
  private PlatformRouting.Registration sends;
  private long timer = -1;
  private boolean stopped;

  public WorkerAdapter(PlatformEnv env) {
    this.env = env;
    this.vertx = env.vertx();
    this.context = env.context();
    this.platformId = env.platformId();
    this.cluster = env.cluster();
    this.routing = env.routing();
    this.owners = routing.owners();
    this.wake = env.wake();
    this.chat = env.chat();
    this.store = env.store();
    this.attachmentMaxBytes = PlatformConfig.number(env.entry(), "attachment_max_bytes",
        Attachments.DEFAULT_MAX_BYTES);
    this.inlineMaxBytes = PlatformConfig.number(env.entry(), "attachment_inline_max_bytes",
        WorkerProtocol.INLINE_MAX_BYTES);
  }

  /** This node's adapter for a worker platform, or null when the node runs no such entry. */
  public static WorkerAdapter local(Vertx vertx, String platformId) {
    LocalMap<String, WorkerAdapter> m = vertx.sharedData().getLocalMap(DIRECTORY);
    return m.get(platformId);
  }

  public String platformId() {
    return platformId;
  }

  @Override
  public Future<Void> start() {
    return owners.open().map(v -> {
      vertx.sharedData().<String, WorkerAdapter>getLocalMap(DIRECTORY).put(platformId, this);
      timer = vertx.setPeriodic(RECONCILE_MS, RECONCILE_MS, t -> enqueue(this::reconcile));
      return null;
    });
  }

  @Override
  public String state() {
    return current != null ? "owner" : "idle";
  }

  // ---- ownership ----------------------------------------------------------------------------------------------

  /** A worker on this node asks for the platform; yields the claim's answer or fails with a coded ReplyException. */
  public Future<JsonObject> claim(WorkerLink link) {
    Promise<JsonObject> answer = Promise.promise();
    context.runOnContext(v -> enqueue(() -> doClaim(link).onComplete(answer)));
    return answer.future();
  }

  private Future<JsonObject> doClaim(WorkerLink link) {
    if (stopped) {
      return refused(WorkerProtocol.UNAVAILABLE, "node is stopping");
    }
    if (current != null) {
      return current == link ? Future.succeededFuture(claimed(currentValue))
          : refused(WorkerProtocol.CONFLICT, "platform " + platformId + " is held by another worker on this node");
    }
    return owners.entry(platformId).compose(cur -> {
      if (cur != null && cluster.isMember(cur.nodeId()) && !cluster.nodeId().equals(cur.nodeId())) {
        return refused(WorkerProtocol.CONFLICT, "platform " + platformId + " is held by a worker on node "
            + cur.node());
      }
      // No entry, or one left by a dead member or by a connection of ours that is gone: remove it by value.
      Future<Boolean> cleared = cur == null ? Future.succeededFuture(true) : owners.release(platformId, cur);
      return cleared.compose(x -> owners.nextEpoch(platformId)).compose(epoch -> {
        OwnerEntry value = new OwnerEntry(cluster.nodeName(), cluster.nodeId(), link.id(), epoch,
            Instant.now().toString(), false);
        return owners.putIfAbsent(platformId, value).compose(won -> won ? hold(link, value)
            : refused(WorkerProtocol.CONFLICT, "platform " + platformId + " was claimed elsewhere just now"));
      });
    });
  }

  private Future<JsonObject> hold(WorkerLink link, OwnerEntry value) {
    return routing.serve(platformId, link.context(), send -> deliver(link, send)).compose(reg -> {
      sends = reg;
      current = link;
      currentValue = value;
      owners.announce(platformId, value);
      LOG.info("worker claimed id={} node={} epoch={} {}", platformId, cluster.nodeName(), value.epoch(),
          link.describe());
      return Future.succeededFuture(claimed(value));
    }, err -> owners.release(platformId, value).transform(x -> Future.failedFuture(err)));
  }

  private JsonObject claimed(OwnerEntry value) {
    return new JsonObject().put("ok", true).put("platform_id", platformId).put("epoch", value.epoch())
        .put("connection_id", value.connectionId()).put("node", value.node());
  }

  /** The worker's connection ended (closed, ping timeout); callable from any thread. */
  public void closed(WorkerLink link) {
    context.runOnContext(v -> enqueue(() -> link == current ? vacate("disconnected") : Future.succeededFuture()));
  }

  /** Stops serving, then removes our own entry (compare-and-delete), which announces the platform vacant. */
  private Future<Void> vacate(String why) {
    WorkerLink link = current;
    OwnerEntry value = currentValue;
    current = null;
    currentValue = null;
    PlatformRouting.Registration r = sends;
    sends = null;
    Future<Void> unregistered = r == null ? Future.succeededFuture() : r.close();
    return unregistered.transform(x -> value == null ? Future.succeededFuture(false) : owners.release(platformId, value))
        .map(removed -> {
          LOG.info("worker released id={} node={} reason={} entry_removed={} {}", platformId, cluster.nodeName(), why,
              removed, link == null ? "" : link.describe());
          return null;
        });
  }

  /** Our entry must be in the map while we hold; an entry of ours that no connection holds is removed. */
  private Future<Void> reconcile() {
    return owners.entry(platformId).compose(cur -> {
      if (current != null) {
        if (cur == null) {
          return owners.putIfAbsent(platformId, currentValue).compose(won -> won ? Future.succeededFuture()
              : lost("entry taken"));
        }
        return current.id().equals(cur.connectionId()) ? Future.succeededFuture() : lost("held by " + cur.node());
      }
      if (cur != null && cluster.nodeId().equals(cur.nodeId())) {
        return owners.release(platformId, cur).mapEmpty();
      }
      return Future.succeededFuture();
    });
  }

  /** Someone else holds the platform now (after a partition, say): our worker must not take sends any more. */
  private Future<Void> lost(String why) {
    WorkerLink link = current;
    OwnerEntry value = currentValue;
    current = null;
    currentValue = null;
    PlatformRouting.Registration r = sends;
    sends = null;
    LOG.warn("worker lost platform id={} reason={} epoch={}", platformId, why, OwnerEntry.epochOf(value));
    link.close("platform " + platformId + " is held elsewhere now: " + why);
    return r == null ? Future.succeededFuture() : r.close();
  }

  private void enqueue(Supplier<Future<?>> op) {
    chain = chain.transform(ignored -> {
      try {
        return op.get().<Void>mapEmpty();
      } catch (RuntimeException e) {
        return Future.<Void>failedFuture(e);
      }
    }).recover(err -> {
      if (!(err instanceof ReplyException)) {
        LOG.warn("worker ownership step failed id={} reason={}", platformId, err.toString());
      }
      return Future.succeededFuture();
    });
  }

  private static <T> Future<T> refused(int code, String message) {
    return Future.failedFuture(new ReplyException(ReplyFailure.RECIPIENT_FAILURE, code, message));
  }

  // ---- sends --------------------------------------------------------------------------------------------------

  @Override
  public Future<SendRequest.Result> deliver(SendRequest send) {
    WorkerLink link = current;
    if (link == null) {
      return Future.failedFuture(SendFailure.refused("no worker holds platform " + platformId + " on this node"));
    }
    return deliver(link, send);
  }

  /** Callable from any thread (the routing unit calls a local holder on the caller's context). */
  private Future<SendRequest.Result> deliver(WorkerLink link, SendRequest send) {
    if (Vertx.currentContext() == link.context()) {
      return deliverOn(link, send);
    }
    Promise<SendRequest.Result> done = Promise.promise();
    link.context().runOnContext(v -> deliverOn(link, send).onComplete(done));
    return done.future();
  }

  /** On the link's context: attachments up to the inline limit go inside the send, larger ones by id. */
  private Future<SendRequest.Result> deliverOn(WorkerLink link, SendRequest send) {
    if (!send.platformId().equals(platformId)) {
      return Future.failedFuture(new SendFailure(SendFailure.INVALID, "send for another platform"));
    }
    List<Future<JsonObject>> parts = new ArrayList<>();
    for (Object o : send.parts()) {
      parts.add(o instanceof JsonObject p ? inline(p) : Future.succeededFuture(new JsonObject()));
    }
    return Future.all(parts).compose(all -> {
      JsonArray out = new JsonArray();
      parts.forEach(f -> out.add(f.result()));
      return link.request(new SendRequest(send.umo(), send.messageType(), send.sessionId(), out).toJson());
    }).map(SendRequest.Result::fromJson);
  }

  private Future<JsonObject> inline(JsonObject part) {
    if (!MessageParts.MEDIA.contains(part.getString("type")) || !(part.getValue("attachment_id") instanceof String id)) {
      return Future.succeededFuture(part);
    }
    return store.readAttachment(id, inlineMaxBytes).compose(found -> {
      if (found.isEmpty()) {
        return Future.failedFuture(new SendFailure(SendFailure.INVALID, "attachment not found: " + id));
      }
      var meta = found.get().meta();
      JsonObject p = part.copy().put("filename", meta.filename()).put("mime_type", meta.mimeType())
          .put("size", meta.sizeBytes());
      if (found.get().data() != null) {
        p.put("data", Base64.getEncoder().encodeToString(found.get().data().getBytes()));
      }
      return Future.succeededFuture(p);
    });
  }

  /** {@link WorkerProtocol#ATTACHMENT}: the whole file, base64, up to {@code attachment_max_bytes}. */
  public Future<JsonObject> attachment(WorkerLink link, JsonObject body) {
    if (!(body.getValue("attachment_id") instanceof String id) || id.isEmpty()) {
      return refused(WorkerProtocol.BAD_REQUEST, "attachment_id is required");
    }
    return store.readAttachment(id, attachmentMaxBytes).compose(found -> {
      if (found.isEmpty()) {
        return refused(WorkerProtocol.NOT_FOUND, "attachment not found: " + id);
      }
      var meta = found.get().meta();
      if (found.get().data() == null) {
        return refused(WorkerProtocol.TOO_LARGE, "attachment " + id + " is " + meta.sizeBytes()
            + " bytes, limit " + attachmentMaxBytes);
      }
      return Future.succeededFuture(new JsonObject().put("attachment_id", id).put("filename", meta.filename())
          .put("mime_type", meta.mimeType()).put("type", meta.type()).put("size", meta.sizeBytes())
          .put("data", Base64.getEncoder().encodeToString(found.get().data().getBytes())));
    });
  }

  // ---- inbound ------------------------------------------------------------------------------------------------

  /**
   * {@link WorkerProtocol#INBOUND}: the message goes to the chat pipeline (in order per UMO) and the answer back to
   * the worker as a send, through whichever node holds the platform by then. The request is answered once that is
   * done: {@code {"ok": true, "event_id", "replied": true|false}}.
   */
  public Future<JsonObject> inbound(WorkerLink link, JsonObject body) {
    InboundMessage in;
    try {
      in = InboundMessage.fromJson(body, platformId, TYPE);
    } catch (InboundMessage.Malformed e) {
      return refused(WorkerProtocol.BAD_REQUEST, e.getMessage());
    }
    if (!platformId.equals(in.platformId())) {
      return refused(WorkerProtocol.BAD_REQUEST, "platform_id must be " + platformId);
    }
    String messageType = in.messageType() == null ? Umo.FRIEND : in.messageType();
    Umo umo;
    try {
      umo = Umo.parse(in.umo());
    } catch (Umo.InvalidUmo e) {
      return refused(WorkerProtocol.BAD_REQUEST, "Invalid umo: " + e.getMessage());
    }
    if (!umo.platformId().equals(platformId) || !umo.messageType().equals(messageType)
        || !umo.sessionId().equals(in.sessionId())) {
      return refused(WorkerProtocol.BAD_REQUEST, "umo must be " + Umo.of(platformId, messageType, in.sessionId()));
    }
    WakeRule.Verdict verdict = wake.check(umo.group(), in.mentioned(), in.text());
    String eventId = in.eventId() != null ? in.eventId()
        : in.messageId() != null ? platformId + ":" + in.messageId() : null;
    JsonObject ack = new JsonObject().put("ok", true).put("event_id", eventId);
    if (!verdict.wake()) {
      return Future.succeededFuture(ack.put("replied", false));
    }
    InboundMessage woken = new InboundMessage(in.platformId(), in.platformType(), in.umo(), messageType,
        in.sessionId(), eventId, in.messageId(), in.selfId(), in.senderId(), in.senderNickname(),
        umo.group() ? (in.groupId() == null ? in.sessionId() : in.groupId()) : null, verdict.text(), in.rawText(),
        in.parts(), in.mentioned(), in.timestamp());
    Promise<JsonObject> done = Promise.promise();
    context.runOnContext(v -> sessions.submit(in.umo(), () -> chat.ask(woken).compose(parts -> parts.isEmpty()
            ? Future.succeededFuture(ack.put("replied", false))
            : routing.send(woken.reply(parts)).map(r -> ack.put("replied", true))))
        .onComplete(ar -> {
          if (ar.failed()) {
            LOG.warn("worker reply failed id={} umo={} reason={}", platformId, in.umo(), ar.cause().getMessage());
            done.fail(new ReplyException(ReplyFailure.RECIPIENT_FAILURE, SendFailure.REFUSED,
                "reply not delivered: " + ar.cause().getMessage()));
          } else {
            done.complete(ar.result());
          }
        }));
    return done.future();
  }

  @Override
  public Future<Void> stop() {
    Promise<Void> done = Promise.promise();
    context.runOnContext(v -> {
      vertx.sharedData().<String, WorkerAdapter>getLocalMap(DIRECTORY).remove(platformId, this);
      if (timer >= 0) {
        vertx.cancelTimer(timer);
      }
      WorkerLink link = current;
      enqueue(() -> vacate("node stopping"));
      stopped = true;
      if (link != null) {
        link.close("node stopping");
      }
      chain.onComplete(ar -> done.complete());
    });
    return done.future();
  }
}
