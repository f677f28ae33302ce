package dev.astrgate.http;

import dev.astrgate.cluster.Addresses;
import dev.astrgate.metrics.GatewayMetrics;
import dev.astrgate.cluster.ClusterInfo;
import dev.astrgate.platform.MessageParts;
import dev.astrgate.platform.PyText;
import dev.astrgate.platform.SendFailure;
import dev.astrgate.platform.Umo;
import dev.astrgate.store.ChatOps;
import dev.astrgate.store.StoreClient;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.util.Locale;

/**
 * POST /api/v1/im/message: upstream's checks and messages in upstream's order (ASTRBOT.md §8), then a send on
 * {@code platform.<id>.send}, which reaches whichever node owns the platform's connection. Webchat sessions are
 * always running: a live stream anywhere gets the message, else it is stored in the session's history.
 */
final class ImRoutes {
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(ImRoutes.class);
  static final String WEBCHAT = "webchat";
  /** Above the adapters' own limits (OneBot API 10 s, Telegram calls 30 s per call) so their error text wins. */
  static final long SEND_TIMEOUT_MS = 45_000;
  static final long WEBCHAT_TIMEOUT_MS = 5_000;
  static final long PROBE_TIMEOUT_MS = 5_000;
  static final int STALE_RETRIES = 12;
  static final long STALE_RETRY_MS = 250;

  private final EventBus bus;
  private final GatewayMetrics metrics;
  private final StoreClient store;
  private final ClusterInfo cluster;
  private final dev.astrgate.platform.OwnerDirectory owners;
  private final LiveStreams streams;
  private final java.util.function.BiConsumer<Long, io.vertx.core.Promise<Void>> timer;

  ImRoutes(io.vertx.core.Vertx vertx, StoreClient store, ClusterInfo cluster, dev.astrgate.platform.OwnerDirectory owners,
           LiveStreams streams) {
    this.streams = streams;
    this.metrics = GatewayMetrics.of(vertx);
    this.bus = vertx.eventBus();
    this.store = store;
    this.cluster = cluster;
    this.owners = owners;
    this.timer = (ms, p) -> vertx.setTimer(ms, t -> p.complete());
  }

  void send(RoutingContext ctx) {
    JsonObject post = body(ctx);
    Object message = post.containsKey("message") ? post.getValue("message") : new JsonObject();
    if (message == null) {
      throw ApiError.badRequest("Missing key: message");
    }
    Object rawUmo = post.getValue("umo");
    if (!PyText.truthy(rawUmo)) {
      throw ApiError.badRequest("Missing key: umo");
    }
    var limits = InputChecks.limits(ctx);
    InputChecks.text("umo", PyText.str(rawUmo), limits.umo());
    InputChecks.message(message, limits.messageChars());
    Umo umo;
    try {
      umo = Umo.parse(PyText.str(rawUmo));
    } catch (Umo.InvalidUmo e) {
      throw ApiError.badRequest("Invalid umo: " + e.getMessage());
    }
    InputChecks.text("platform_id of umo", umo.platformId(), limits.platformId());
    if (WEBCHAT.equals(umo.platformId())) {
      InputChecks.text("session_id of umo", webchatSessionId(umo.sessionId()), limits.sessionId());
    }
    if (!cluster.available()) {
      throw new ApiError(503, "Cluster unavailable, please retry shortly");
    }
    long started = System.nanoTime();
    Future<JsonArray> parts = MessageParts.build(message, store);
    Future<Void> done = WEBCHAT.equals(umo.platformId())
        ? parts.compose(p -> webchat(umo, p))
        : parts.transform(ar -> ar.succeeded() ? platform(umo, ar.result()) : afterInvalid(umo, ar.cause()));
    done.onComplete(ar -> metrics.platformSend(umo.platformId(), sendOutcome(ar.cause()),
        System.nanoTime() - started));
    done.onSuccess(v -> Responses.ok(ctx, new JsonObject())).onFailure(err -> ctx.fail(
        err instanceof MessageParts.Invalid ? ApiError.badRequest(err.getMessage()) : err));
  }

  /** A low-cardinality outcome label for a finished send. */
  private static String sendOutcome(Throwable err) {
    if (err == null) {
      return "ok";
    }
    if (err instanceof MessageParts.Invalid) {
      return "invalid";
    }
    if (err instanceof ApiError e) {
      return switch (e.status()) {
        case 404 -> "not_found";
        case 502 -> "refused";
        case 503 -> "unavailable";
        default -> "invalid";
      };
    }
    return "failed";
  }

  /** Upstream reads the body with {@code await request.json or {}}: non-JSON content types give {}. */
  private static JsonObject body(RoutingContext ctx) {
    String type = ctx.request().getHeader("Content-Type");
    String mime = type == null ? "" : type.split(";", 2)[0].strip().toLowerCase(Locale.ROOT);
    if (!mime.equals("application/json") && !mime.endsWith("+json")) {
      return new JsonObject();
    }
    Buffer raw = ctx.body() == null ? null : ctx.body().buffer();
    Object parsed;
    try {
      if (raw == null || raw.toString().isBlank()) {
        throw new DecodeException("empty body");
      }
      parsed = JsonBodies.decode(raw);
    } catch (DecodeException e) {
      throw ApiError.badRequest("Malformed JSON in request body");
    }
    if (parsed instanceof JsonObject o) {
      return o;
    }
    if (!PyText.truthy(parsed)) {
      return new JsonObject();
    }
    throw ApiError.badRequest("Request body must be a JSON object");
  }

  private Future<Void> platform(Umo umo, JsonArray parts) {
    JsonObject send = new JsonObject()
        .put("umo", umo.toString())
        .put("message_type", umo.messageType())
        .put("session_id", umo.sessionId())
        .put("parts", parts);
    String generic = Addresses.platformSend(umo.platformId());
    return owners.address(umo.platformId()).compose(address -> request(address, send, SEND_TIMEOUT_MS, 0)
            .recover(err -> {
              // The owner we knew of has gone: fall back to whoever registered the platform's address.
              if (!address.equals(generic) && err instanceof ReplyException re
                  && re.failureType() == io.vertx.core.eventbus.ReplyFailure.NO_HANDLERS) {
                owners.forget(umo.platformId());
                return request(generic, send, SEND_TIMEOUT_MS, 0);
              }
              return Future.failedFuture(err);
            }))
        .<Void>mapEmpty()
        .recover(err -> Future.failedFuture(sendError(umo.platformId(), err)));
  }

  /**
   * A request that tolerates a member that just died: the bus may still route to its stale registration for the
   * half second before the cluster drops it, which fails with ERROR and nothing delivered, so it is safe to retry
   * until the registrations are current again (then the answer is the new owner, or NO_HANDLERS).
   */
  private Future<io.vertx.core.eventbus.Message<Object>> request(String address, Object body, long timeoutMs, int attempt) {
    return bus.request(address, body, new DeliveryOptions().setSendTimeout(timeoutMs)).recover(err -> {
      if (err instanceof ReplyException re && re.failureType() == io.vertx.core.eventbus.ReplyFailure.ERROR
          && attempt < STALE_RETRIES && cluster.available()) {
        io.vertx.core.Promise<Void> later = io.vertx.core.Promise.promise();
        timer.accept(STALE_RETRY_MS, later);
        return later.future().compose(v -> request(address, body, timeoutMs, attempt + 1));
      }
      return Future.failedFuture(err);
    });
  }

  /**
   * Upstream checks the platform before it builds the message, so a payload problem is reported only when the
   * platform is running: one probe on the send address settles it, on this (rare) path only.
   */
  private Future<Void> afterInvalid(Umo umo, Throwable invalid) {
    if (!(invalid instanceof MessageParts.Invalid)) {
      return Future.failedFuture(invalid);
    }
    return bus.request(Addresses.platformSend(umo.platformId()), new JsonObject().put("probe", true),
            new DeliveryOptions().setSendTimeout(PROBE_TIMEOUT_MS))
        .transform(ar -> ar.failed() && ar.cause() instanceof ReplyException re
            && re.failureType() == io.vertx.core.eventbus.ReplyFailure.NO_HANDLERS
            ? Future.failedFuture(notRunning(umo.platformId())) : Future.failedFuture(invalid));
  }

  private static ApiError notRunning(String platformId) {
    return ApiError.notFound("Bot not found or not running for platform: " + platformId);
  }

  private static Throwable sendError(String platformId, Throwable err) {
    if (!(err instanceof ReplyException re)) {
      return err;
    }
    return switch (re.failureType()) {
      case NO_HANDLERS -> notRunning(platformId);
      case TIMEOUT -> new ApiError(502, "Failed to send message: platform " + platformId + " did not answer within "
          + SEND_TIMEOUT_MS / 1000 + " s");
      case RECIPIENT_FAILURE -> re.failureCode() == SendFailure.INVALID ? ApiError.badRequest(re.getMessage())
          : new ApiError(502, "Failed to send message: " + re.getMessage());
      default -> new ApiError(503, "Cluster unavailable, please retry shortly");
    };
  }

  /** Conversation id: the part after the second '!' of {@code webchat!<user>!<sid>}, else the whole session id. */
  static String webchatSessionId(String sessionId) {
    if (sessionId.startsWith("webchat!")) {
      String[] p = sessionId.split("!", 3);
      if (p.length == 3) {
        return p[2];
      }
    }
    return sessionId;
  }

  private Future<Void> webchat(Umo umo, JsonArray parts) {
    String sid = webchatSessionId(umo.sessionId());
    JsonObject push = new JsonObject()
        .put("umo", umo.toString())
        .put("message_type", umo.messageType())
        .put("session_id", sid)
        .put("parts", parts);
    return streams.locate(sid).compose(node -> node == null ? Future.succeededFuture(false)
            : request(Addresses.webchatNode(node), push, WEBCHAT_TIMEOUT_MS, 0)
                .map(reply -> reply.body() instanceof JsonObject o && o.getBoolean("live", false))
                .recover(err -> {
                  if (err instanceof ReplyException re
                      && re.failureType() == io.vertx.core.eventbus.ReplyFailure.NO_HANDLERS) {
                    return Future.succeededFuture(false);
                  }
                  if (err instanceof ReplyException re && re.failureType() == io.vertx.core.eventbus.ReplyFailure.TIMEOUT) {
                    LOG.warn("webchat push unanswered session={} node={} timeout_ms={}", sid, node, WEBCHAT_TIMEOUT_MS);
                    return Future.failedFuture(new ApiError(502, "Failed to send message: webchat session " + sid
                        + " did not answer within " + WEBCHAT_TIMEOUT_MS / 1000 + " s"));
                  }
                  return Future.failedFuture(sendError(WEBCHAT, err));
                }))
        .compose(live -> {
          if (live) {
            return Future.succeededFuture();
          }
          // No live stream anywhere: keep it in the session's history, as upstream does.
          JsonObject content = new JsonObject().put("type", "bot").put("message", MessageParts.forHistory(parts));
          return store.chat(new ChatOps.AppendHistory(WEBCHAT, sid, "bot", content)).mapEmpty();
        });
  }
}
