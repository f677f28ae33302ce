package dev.astrgate.http;

import dev.astrgate.cluster.ClusterInfo;
import dev.astrgate.metrics.GatewayMetrics;
import dev.astrgate.message.MessageParts;
import dev.astrgate.py.PyText;
import dev.astrgate.platform.SendRequest;
import dev.astrgate.platform.Umo;
import dev.astrgate.platform.route.PlatformRouting;
import dev.astrgate.platform.route.SendError;
import dev.astrgate.store.StoreClient;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.util.Locale;

/**
 * POST /api/v1/im/message: upstream's checks and messages in upstream's order (ASTRBOT.md §8), then one path for
 * every platform: a {@link SendRequest} through the routing unit, which reaches whichever node holds the platform
 * (webchat is held by every node).
 */
final class ImRoutes {
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(ImRoutes.class);
  private final GatewayMetrics metrics;
  private final StoreClient store;
  private final ClusterInfo cluster;
  private final PlatformRouting routing;

  ImRoutes(io.vertx.core.Vertx vertx, StoreClient store, ClusterInfo cluster, PlatformRouting routing) {
    this.metrics = GatewayMetrics.of(vertx);
    this.store = store;
    this.cluster = cluster;
    this.routing = routing;
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
    Umo umo;
    try {
      umo = Umo.parse(PyText.str(rawUmo));
    } catch (Umo.InvalidUmo e) {
      throw ApiError.badRequest("Invalid umo: " + e.getMessage());
    }
    if (!cluster.available()) {
      throw new ApiError(503, "Cluster unavailable, please retry shortly");
    }
    long started = System.nanoTime();
    Future<JsonArray> parts = MessageParts.build(message, store);
    Future<Void> done = parts.transform(ar -> ar.succeeded() ? platform(umo, ar.result())
        : afterInvalid(umo, ar.cause()));
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
      parsed = Json.decodeValue(raw);
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
    return routing.send(SendRequest.to(umo, parts)).<Void>mapEmpty()
        .recover(err -> Future.failedFuture(sendError(umo.platformId(), err)));
  }

  /**
   * Upstream checks the platform before it builds the message, so a payload problem is reported only when the
   * platform is running: one probe settles it, on this (rare) path only.
   */
  private Future<Void> afterInvalid(Umo umo, Throwable invalid) {
    if (!(invalid instanceof MessageParts.Invalid)) {
      return Future.failedFuture(invalid);
    }
    return routing.running(umo.platformId()).compose(running -> Future.failedFuture(running ? invalid
        : notRunning(umo.platformId())));
  }

  private static ApiError notRunning(String platformId) {
    return ApiError.notFound("Bot not found or not running for platform: " + platformId);
  }

  private static Throwable sendError(String platformId, Throwable err) {
    if (!(err instanceof SendError e)) {
      return err;
    }
    return switch (e.kind()) {
      case NOT_RUNNING -> notRunning(platformId);
      case INVALID -> ApiError.badRequest(e.getMessage());
      case TIMEOUT, REFUSED -> new ApiError(502, "Failed to send message: " + e.getMessage());
      case UNAVAILABLE -> new ApiError(503, "Cluster unavailable, please retry shortly");
    };
  }
}
