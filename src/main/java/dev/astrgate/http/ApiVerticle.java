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
          .setIdleTimeout(0));
      return server.requestHandler(router).listen();
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
      if (ctx.request().method() == HttpMethod.GET || ctx.request().method() == HttpMethod.HEAD) {
        ctx.next();
      } else if (UPLOAD_PATH.equals(ctx.normalizedPath())) {
        uploadBody.handle(ctx);
      } else {
        jsonBody.handle(ctx);
      }
    };
    GatewayMetrics metrics = GatewayMetrics.of(vertx);
    builder.rootHandler(new RequestLog(settings.node().nodeName(), metrics));
    builder.rootHandler(ctx -> {
      ctx.put(ApiSettings.KEY, settings);
      ctx.next();
    });
    builder.rootHandler(new AuthHandler(keyCache, store));
    builder.rootHandler(bodies);

    InfoRoutes info = new InfoRoutes(settings.confs());
    SessionRoutes sessions = new SessionRoutes(store);
    FileRoutes files = new FileRoutes(store, settings.options().uploadMaxBytes());
    chat = new ChatRoutes(vertx, new ChatIntake(store, settings.confs()), store, streams, settings.options().sseHeartbeatSeconds(),
        settings.node().runs("chat"));
    ImRoutes im = new ImRoutes(vertx, store, cluster, routing);
    Map<String, Handler<RoutingContext>> handlers = Map.of(
        Contract.operationId("get", "/api/v1/im/bots"), info::bots,
        Contract.operationId("get", "/api/v1/configs"), info::configs,
        Contract.operationId("get", "/api/v1/chat/sessions"), sessions::list,
        Contract.operationId("post", "/api/v1/file"), files::upload,
        Contract.operationId("post", "/api/v1/chat"), chat::chat,
        Contract.operationId("post", "/api/v1/im/message"), im::send);
    for (OpenAPIRoute route : builder.getRoutes()) {
      Handler<RoutingContext> h = handlers.get(route.getOperation().getOperationId());
      if (h == null) {
        throw new IllegalStateException("no handler for operation " + route.getOperation().getOperationId());
      }
      // Upstream's own checks and messages apply, not the validator's (DESIGN.md); auth is our root handler.
      route.setDoValidation(false).setDoSecurity(false).addHandler(h);
    }
    Router router = builder.createRouter();
    router.get(UPLOAD_PATH).handler(files::download);
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
      } else {
        endpoint.handle(ctx.request());
      }
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
    } else if (f instanceof StoreUnavailableException) {
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
