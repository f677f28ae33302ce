package dev.astrgate.http;

import dev.astrgate.auth.KeyCache;
import dev.astrgate.metrics.GatewayMetrics;
import io.vertx.micrometer.PrometheusScrapingHandler;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import dev.astrgate.chat.ChatIntake;
import dev.astrgate.chat.TurnRejected;
import dev.astrgate.cluster.ClusterInfo;
import dev.astrgate.platform.PlatformHub;
import dev.astrgate.platform.route.PlatformRouting;
import dev.astrgate.platform.webchat.LiveStreams;
import dev.astrgate.store.StoreClient;
import dev.astrgate.store.StoreUnavailableException;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.VerticleBase;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import io.vertx.ext.web.handler.HttpException;
import io.vertx.ext.web.openapi.router.OpenAPIRoute;
import io.vertx.ext.web.openapi.router.RouterBuilder;
import io.vertx.openapi.contract.OpenAPIContract;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The HTTP front: router built from the contract, API-key auth, the envelope failure handler. One instance per core. */
public final class ApiVerticle extends VerticleBase {
  private static final Logger LOG = LoggerFactory.getLogger(ApiVerticle.class);
  private static final String UPLOAD_PATH = "/api/v1/file";

  private final ApiSettings settings;
  private final KeyCache keyCache;
  private final BooleanSupplier ready;
  private final PlatformHub platforms;
  private final ClusterInfo cluster;
  private final PlatformRouting routing;
  private final LiveStreams streams;
  private HttpServer server;
  private ChatRoutes chat;

  public ApiVerticle(ApiSettings settings, KeyCache keyCache, BooleanSupplier ready, PlatformHub platforms,
                     ClusterInfo cluster, PlatformRouting routing, LiveStreams streams) {
    this.routing = routing;
    this.streams = streams;
    this.settings = settings;
    this.keyCache = keyCache;
    this.ready = ready;
    this.platforms = platforms;
    this.cluster = cluster;
  }

  @Override
  public Future<?> start() {
    StoreClient store = new StoreClient(vertx);
    return OpenAPIContract.from(vertx, Contract.patched()).compose(contract -> {
      Router router = buildRouter(contract, store);
      server = vertx.createHttpServer(new HttpServerOptions()
          .setPort(settings.node().port())
          .setHost(settings.node().host())
          .setCompressionSupported(false)
          // Platform sockets carry small JSON frames: deflating each cost more CPU than the frame's own handling.
          .setPerMessageWebSocketCompressionSupported(false)
          .setPerFrameWebSocketCompressionSupported(false)
          // No h2c upgrade: the API is HTTP/1.1, and Vert.x answered a broken h2c upgrade with a bare 400 and no close.
          .setHttp2ClearTextEnabled(false)
          .setMaxFormFields(settings.options().maxFormParts())
          .setMaxFormBufferedBytes(settings.options().maxPartHeaderBytes())
          .setMaxFormAttributeSize(settings.options().maxPartHeaderBytes())
          .setIdleTimeout(0));
      return server.connectionHandler(FlushCoalescing::install).invalidRequestHandler(this::invalidRequest).requestHandler(req -> {
        if (req.version() != io.vertx.core.http.HttpVersion.HTTP_2 && req.headers().get("Host") == null) {
          // Vert.x's router cannot build the request's URI without it (it failed with a 500 before).
          Responses.refuse(req.response(), 400, "Bad request: the Host header is required", RequestLog.newId());
          return;
        }
        String queryProblem = InputChecks.query(req);
        if (queryProblem != null) {
          // Before the router: the key carriers read the query too.
          Responses.refuse(req.response(), 400, queryProblem, RequestLog.newId());
          return;
        }
        router.handle(req);
      }).listen();
    });
  }

  private Router buildRouter(OpenAPIContract contract, StoreClient store) {
    RouterBuilder builder = RouterBuilder.create(vertx, contract);
    String uploads = settings.node().dataDir().resolve("uploads").toString();
    // Multipart framing adds a little over the file itself; the file's own size is checked against the limit.
    BodyHandler uploadBody = BodyHandler.create(uploads).setBodyLimit(settings.options().uploadMaxBytes() + 64 * 1024)
        .setDeleteUploadedFilesOnEnd(true).setHandleFileUploads(true);
    BodyHandler jsonBody = BodyHandler.create(false).setBodyLimit(settings.options().jsonMaxBytes());
    Handler<RoutingContext> bodies = ctx -> {
      if (!BodyGuard.readsBody(ctx.request().method())) {
        ctx.next();
      } else if (UPLOAD_PATH.equals(ctx.normalizedPath())) {
        uploadBody.handle(ctx);
      } else {
        jsonBody.handle(ctx);
      }
    };
    InfoRoutes info = new InfoRoutes(settings.confs());
    SessionRoutes sessions = new SessionRoutes(store);
    FileRoutes files = new FileRoutes(store, settings.options().uploadMaxBytes());
    chat = new ChatRoutes(vertx, new ChatIntake(store, settings.confs()), store, streams, settings.options().sseHeartbeatSeconds(),
        settings.node().runs("chat"));
    ImRoutes im = new ImRoutes(vertx, store, cluster, routing);
    // Every API route with the scope it needs: the auth check's path map is built from this list, so it cannot
    // drift from the router (upstream's exact-path scope map, B §2.2).
    List<Binding> bindings = List.of(
        new Binding("get", "/api/v1/im/bots", "im", info::bots),
        new Binding("get", "/api/v1/configs", "config", info::configs),
        new Binding("get", "/api/v1/chat/sessions", "chat", sessions::list),
        new Binding("post", "/api/v1/file", "file", files::upload),
        new Binding("get", UPLOAD_PATH, "file", files::download),
        new Binding("post", "/api/v1/chat", "chat", chat::chat),
        new Binding("post", "/api/v1/im/message", "im", im::send));
    Map<String, String> scopeByPath = new HashMap<>();
    Map<String, Binding> byOperation = new HashMap<>();
    for (Binding b : bindings) {
      String previous = scopeByPath.put(b.path(), b.scope());
      if (previous != null && !previous.equals(b.scope())) {
        throw new IllegalStateException("two scopes for " + b.path());
      }
      byOperation.put(Contract.operationId(b.method(), b.path()), b);
    }

    GatewayMetrics metrics = GatewayMetrics.of(vertx);
    builder.rootHandler(new RequestLog(settings.node().nodeName(), metrics));
    builder.rootHandler(ctx -> {
      ctx.put(ApiSettings.KEY, settings);
      ctx.next();
    });
    builder.rootHandler(new AuthHandler(keyCache, store, scopeByPath));
    BodyGuard guard = new BodyGuard(vertx, settings.options().bodyTimeoutMs());
    builder.rootHandler(guard.around(bodies));
    builder.rootHandler(guard.done());

    for (OpenAPIRoute route : builder.getRoutes()) {
      Binding b = byOperation.remove(route.getOperation().getOperationId());
      if (b == null) {
        throw new IllegalStateException("no handler for operation " + route.getOperation().getOperationId());
      }
      // Upstream's own checks and messages apply, not the validator's (DESIGN.md); auth is our root handler.
      route.setDoValidation(false).setDoSecurity(false).addHandler(AuthHandler.requireScope(b.scope())).addHandler(b.handler());
    }
    Router router = builder.createRouter();
    // Routes the contract does not list (the download, from upstream v4.22.1).
    for (Binding b : byOperation.values()) {
      router.route(HttpMethod.valueOf(b.method().toUpperCase(java.util.Locale.ROOT)), b.path())
          .handler(AuthHandler.requireScope(b.scope())).handler(b.handler());
    }
    Buffer contractBytes = Contract.raw();
    router.get(AuthHandler.PUBLIC_CONTRACT_PATH).handler(ctx -> ctx.response()
        .putHeader("Content-Type", "application/json").end(contractBytes));
    router.get("/metrics").handler(metricsHandler(metrics));
    router.get("/healthz").handler(ctx -> ctx.response().putHeader("Content-Type", "application/json")
        .end("{\"status\":\"UP\"}\n"));
    router.get("/readyz").handler(ctx -> readiness(ctx, store));
    // OneBot reverse WebSockets: outside /api/v1, so the API-key check does not apply; the adapter checks its token.
    router.get("/platform/:id/ws").handler(ctx -> {
      Handler<io.vertx.core.http.HttpServerRequest> endpoint = platforms.endpoint(ctx.pathParam("id"));
      if (endpoint == null) {
        ctx.next();
        return;
      }
      String refusal = upgradeProblem(ctx.request());
      if (refusal != null) {
        if (refusal.contains("Sec-WebSocket-Version")) {
          ctx.response().putHeader("Sec-WebSocket-Version", "13");
        }
        Responses.error(ctx, refusal.contains("Sec-WebSocket-Version") ? 426 : 400, "WebSocket upgrade refused: " + refusal);
        return;
      }
      endpoint.handle(ctx.request());
    });

    // Browser pages (webchat, API reference): public, exact paths only, before the 404 fallback.
    WebRoutes.mount(router);

    Handler<RoutingContext> failures = this::failure;
    router.route().failureHandler(failures);
    for (int code : new int[] {400, 404, 405, 413, 500}) {
      router.errorHandler(code, failures);
    }
    return router;
  }

  /**
   * Why a WebSocket handshake (RFC 6455 §4.2.1) cannot succeed, or null; checked before the adapter sees it, since
   * Vert.x answers a bare 400 for a handshake it cannot complete.
   */
  static String upgradeProblem(io.vertx.core.http.HttpServerRequest req) {
    if (req.version() != io.vertx.core.http.HttpVersion.HTTP_1_1) {
      return "the handshake needs HTTP/1.1";
    }
    if (!"websocket".equalsIgnoreCase(String.valueOf(req.getHeader("Upgrade")).strip())) {
      return "the Upgrade header must be websocket";
    }
    String connection = String.valueOf(req.getHeader("Connection")).toLowerCase(java.util.Locale.ROOT);
    if (java.util.Arrays.stream(connection.split(",")).noneMatch(t -> t.strip().equals("upgrade"))) {
      return "the Connection header must include Upgrade";
    }
    String key = req.getHeader("Sec-WebSocket-Key");
    byte[] nonce;
    try {
      nonce = key == null ? null : java.util.Base64.getDecoder().decode(key.strip());
    } catch (IllegalArgumentException e) {
      nonce = null;
    }
    if (nonce == null || nonce.length != 16) {
      return "Sec-WebSocket-Key must be 16 bytes in base64";
    }
    String version = req.getHeader("Sec-WebSocket-Version");
    if (version == null || !(version.strip().equals("13") || version.strip().equals("8"))) {
      return "Sec-WebSocket-Version must be 13";
    }
    return null;
  }

  /** Requests the HTTP decoder refused (bad request line or headers, limits): the envelope, as every other refusal. */
  private void invalidRequest(io.vertx.core.http.HttpServerRequest req) {
    Throwable cause = req.decoderResult().cause();
    String detail = cause == null || cause.getMessage() == null ? "" : cause.getMessage();
    int status;
    String message;
    if (cause instanceof io.netty.handler.codec.http.TooLongHttpLineException || detail.startsWith("An HTTP line is larger than")) {
      status = 414;
      message = "Request line too long: the limit is " + HttpServerOptions.DEFAULT_MAX_INITIAL_LINE_LENGTH + " bytes";
    } else if (cause instanceof io.netty.handler.codec.http.TooLongHttpHeaderException
        || detail.startsWith("HTTP header is larger than")) {
      status = 431;
      message = "Request headers too large: the limit is " + HttpServerOptions.DEFAULT_MAX_HEADER_SIZE + " bytes in all";
    } else {
      status = 400;
      message = "Bad request: " + (detail.isEmpty() ? "the request could not be parsed" : detail);
    }
    if (req.response().headWritten()) {
      req.connection().close();
      return;
    }
    Responses.refuse(req.response(), status, message, RequestLog.newId());
  }

  private void readiness(RoutingContext ctx, StoreClient store) {
    boolean deployed = ready.getAsBoolean();
    store.ping().transform(ar -> {
      boolean db = ar.succeeded();
      JsonObject clusterState = cluster.toJson();
      boolean clusterUp = cluster.available();
      boolean up = db && deployed && clusterUp;
      JsonObject body = new JsonObject()
          .put("status", up ? "UP" : "DOWN")
          .put("node", settings.node().nodeName())
          .put("checks", new JsonObject().put("database", db ? "UP" : "DOWN").put("verticles", deployed ? "UP" : "DOWN")
              .put("cluster", clusterUp ? "UP" : "DOWN"))
          .put("cluster", clusterState)
          .put("platforms", platforms.states());
      ctx.response().setStatusCode(up ? 200 : 503).putHeader("Content-Type", "application/json")
          .end(body.encode() + "\n");
      return Future.succeededFuture();
    });
  }

  /** Prometheus text; guarded by a bearer token when ASTRGATE_METRICS_TOKEN is set. */
  private Handler<RoutingContext> metricsHandler(GatewayMetrics metrics) {
    Handler<RoutingContext> scrape = PrometheusScrapingHandler.create(metrics.registry());
    String token = settings.node().metricsToken();
    if (token == null) {
      return scrape;
    }
    byte[] expected = ("Bearer " + token).getBytes(StandardCharsets.UTF_8);
    return ctx -> {
      String given = ctx.request().getHeader("Authorization");
      if (given == null || !MessageDigest.isEqual(expected, given.getBytes(StandardCharsets.UTF_8))) {
        ctx.put(RequestLog.AUTH_FAILURE, given == null ? "missing" : "invalid");
        Responses.error(ctx, 401, given == null ? "Missing metrics token" : "Invalid metrics token");
        return;
      }
      scrape.handle(ctx);
    };
  }

  /** Every failure becomes the envelope: expected ones with their status, the rest a 500 carrying the request id. */
  private void failure(RoutingContext ctx) {
    if (ctx.response().headWritten()) {
      ctx.response().reset();
      return;
    }
    if (ctx.get(ApiSettings.KEY) == null) {
      ctx.put(ApiSettings.KEY, settings);
    }
    Throwable f = ctx.failure();
    if (f instanceof ApiError e) {
      Responses.error(ctx, e.status(), e.getMessage());
    } else if (f instanceof TurnRejected r) {
      Responses.error(ctx, r.status(), r.getMessage());
    } else if (ctx.get(BodyGuard.READ) == null && BodyGuard.isFormFailure(f)) {
      // The rest of the form is unread: close after the answer.
      ctx.response().putHeader("Connection", "close");
      Responses.error(ctx, 400, formMessage(f));
    } else if (storeUnavailable(f)) {
      Responses.error(ctx, 503, "Storage unavailable, please retry shortly");
    } else if (f instanceof HttpException he && he.getStatusCode() < 500) {
      Responses.error(ctx, he.getStatusCode(), messageFor(he.getStatusCode(), ctx));
    } else if (f == null && ctx.statusCode() < 500) {
      Responses.error(ctx, ctx.statusCode(), messageFor(ctx.statusCode(), ctx));
    } else {
      LOG.error("request failed rid={} method={} path={}", (String) ctx.get(Responses.REQUEST_ID),
          ctx.request().method(), ctx.request().path(), f);
      Responses.error(ctx, 500, "Internal server error (request id " + ctx.get(Responses.REQUEST_ID) + ")");
    }
  }

  private static boolean storeUnavailable(Throwable f) {
    for (Throwable c = f; c != null; c = c.getCause() == c ? null : c.getCause()) {
      if (c instanceof StoreUnavailableException) {
        return true;
      }
    }
    return false;
  }

  private String formMessage(Throwable f) {
    String name = f.getClass().getSimpleName();
    if (name.equals("TooManyFormFieldsException")) {
      return "Malformed multipart body: more than " + settings.options().maxFormParts() + " parts";
    }
    if (name.equals("TooLongFormFieldException")) {
      return "Malformed multipart body: a part header or form field is over " + settings.options().maxPartHeaderBytes()
          + " bytes";
    }
    if (f instanceof NullPointerException) {
      // Netty's decoder meets a part whose Content-Disposition (or its name) is missing.
      return "Malformed multipart body: a part without a Content-Disposition name";
    }
    String detail = f.getMessage();
    return "Malformed multipart body" + (detail == null || detail.isBlank() ? "" : ": " + detail);
  }

  private String messageFor(int status, RoutingContext ctx) {
    return switch (status) {
      case 404 -> "Not found: " + ctx.request().method() + " " + ctx.request().path();
      case 405 -> "Method not allowed: " + ctx.request().method() + " " + ctx.request().path();
      case 413 -> "Request body too large: the limit is "
          + (UPLOAD_PATH.equals(ctx.normalizedPath()) ? settings.options().uploadMaxBytes() : settings.options().jsonMaxBytes())
          + " bytes";
      case 400 -> "Bad request";
      default -> "HTTP " + status;
    };
  }

  /** One API route: the contract's method and path, the scope a key needs for it, and its handler. */
  private record Binding(String method, String path, String scope, Handler<RoutingContext> handler) {
  }

  @Override
  public Future<?> stop() {
    if (server == null) {
      return Future.succeededFuture();
    }
    // Stop accepting, let in-flight requests finish within the grace period; then the turns' upstream clients go.
    return server.shutdown(settings.node().shutdownGrace().toMillis(), TimeUnit.MILLISECONDS)
        .eventually(() -> {
          if (chat != null) {
            chat.close();
          }
          return Future.succeededFuture();
        });
  }
}
