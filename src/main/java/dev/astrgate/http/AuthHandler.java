package dev.astrgate.http;

import dev.astrgate.auth.ApiKey;
import dev.astrgate.auth.KeyCache;
import dev.astrgate.auth.KeyMaterial;
import dev.astrgate.store.StoreClient;
import io.vertx.core.Handler;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.RoutingContext;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Map;

/**
 * Upstream's API-key middleware: runs for every path that starts with {@code /api/v1} (so before 404/405),
 * takes the key from the first non-empty of five carriers, and checks validity, expiry and scope. It is also the
 * path gate: a path that is not canonical ({@link CanonicalPath}) is refused with 404 before any route sees it
 * (after authentication under {@code /api/v1}, as upstream's middleware answers 401 first there).
 */
public final class AuthHandler implements Handler<RoutingContext> {
  static final String API_KEY = "astrgate.apiKey";
  static final String PUBLIC_CONTRACT_PATH = "/api/v1/openapi.json";

  private final KeyCache cache;
  private final StoreClient store;
  private final Map<String, String> scopeByPath;

  /** {@code scopeByPath}: the scope each routed path needs, taken from the routes themselves. */
  public AuthHandler(KeyCache cache, StoreClient store, Map<String, String> scopeByPath) {
    this.cache = cache;
    this.store = store;
    this.scopeByPath = Map.copyOf(scopeByPath);
  }

  @Override
  public void handle(RoutingContext ctx) {
    String rawPath = ctx.request().path();
    String path = ctx.normalizedPath();
    boolean canonical = CanonicalPath.isCanonical(rawPath, path);
    boolean api = path.startsWith("/api/v1") || (rawPath != null && rawPath.startsWith("/api/v1"));
    if (!api || (canonical && path.equals(PUBLIC_CONTRACT_PATH))) {
      if (canonical) {
        ctx.next();
      } else {
        notCanonical(ctx);
      }
      return;
    }
    String presented = extractKey(ctx.request());
    if (presented == null) {
      ctx.put(RequestLog.AUTH_FAILURE, "missing");
      Responses.error(ctx, 401, "Missing API key");
      return;
    }
    String hash = KeyMaterial.hash(presented);
    ApiKey warm = cache.peek(hash);
    if (warm != null) {
      admit(ctx, warm, path, canonical);
      return;
    }
    HttpServerRequest req = ctx.request();
    req.pause();
    cache.load(presented, hash).onComplete(r -> {
      req.resume();
      if (r.failed()) {
        ctx.fail(r.cause());
      } else {
        admit(ctx, r.result().orElse(null), path, canonical);
      }
    });
  }

  private void admit(RoutingContext ctx, ApiKey key, String path, boolean canonical) {
    if (key == null || !key.usableAt(OffsetDateTime.now(ZoneOffset.UTC))) {
      ctx.put(RequestLog.AUTH_FAILURE, "invalid");
      Responses.error(ctx, 401, "Invalid API key");
      return;
    }
    if (!canonical) {
      notCanonical(ctx);
      return;
    }
    // By path, whatever the method, so a wrong method still meets the scope first (upstream's order: 403, then 405).
    String scope = scopeByPath.get(path);
    if (scope != null && !key.hasScope(scope)) {
      refuseScope(ctx);
      return;
    }
    ctx.put(API_KEY, key);
    ctx.put(RequestLog.KEY_ID, key.keyId());
    if (cache.shouldTouch(key.keyId())) {
      store.touchKey(key.keyId());
    }
    ctx.next();
  }

  /**
   * The first handler of every scoped route: the route's own scope, checked again where the handler is, so no
   * spelling of a path can reach a handler without it.
   */
  static Handler<RoutingContext> requireScope(String scope) {
    return ctx -> {
      ApiKey key = ctx.get(API_KEY);
      if (key == null || !key.hasScope(scope)) {
        refuseScope(ctx);
      } else {
        ctx.next();
      }
    };
  }

  private static void refuseScope(RoutingContext ctx) {
    ctx.put(RequestLog.AUTH_FAILURE, "scope");
    Responses.error(ctx, 403, "Insufficient API key scope");
  }

  private static void notCanonical(RoutingContext ctx) {
    Responses.error(ctx, 404, "Not found: " + ctx.request().method() + " " + ctx.request().path());
  }

  /** Enforces a key's bound username (Part A.7) once the handler knows which username the request names. */
  public static void checkUsername(RoutingContext ctx, String username) {
    ApiKey key = ctx.get(API_KEY);
    if (key != null && key.boundUsername() != null && !key.boundUsername().equals(username)) {
      ctx.put(RequestLog.AUTH_FAILURE, "bound_user");
      throw new ApiError(403, "API key is bound to another username");
    }
  }

  /** Query api_key, query key, X-API-Key, Authorization Bearer, Authorization ApiKey: first non-empty wins. */
  static String extractKey(HttpServerRequest req) {
    String k = stripped(req.getParam("api_key"));
    if (k == null) {
      k = stripped(req.getParam("key"));
    }
    if (k == null) {
      k = stripped(req.getHeader("X-API-Key"));
    }
    String authz = req.getHeader("Authorization");
    if (k == null && authz != null && authz.startsWith("Bearer ")) {
      k = stripped(authz.substring("Bearer ".length()));
    }
    if (k == null && authz != null && authz.startsWith("ApiKey ")) {
      k = stripped(authz.substring("ApiKey ".length()));
    }
    return k;
  }

  private static String stripped(String v) {
    if (v == null) {
      return null;
    }
    String s = v.strip();
    return s.isEmpty() ? null : s;
  }
}
