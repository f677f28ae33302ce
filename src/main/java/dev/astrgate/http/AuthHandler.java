package dev.astrgate.http;

import dev.astrgate.auth.ApiKey;
import dev.astrgate.auth.KeyCache;
import dev.astrgate.auth.KeyMaterial;
import dev.astrgate.auth.Scopes;
import dev.astrgate.store.StoreClient;
import io.vertx.core.Handler;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.RoutingContext;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Optional;

/**
 * Upstream's API-key middleware: runs for every path that starts with {@code /api/v1} (so before 404/405),
 * takes the key from the first non-empty of five carriers, and checks validity, expiry and scope.
 */
public final class AuthHandler implements Handler<RoutingContext> {
  static final String API_KEY = "astrgate.apiKey";
  static final String PUBLIC_CONTRACT_PATH = "/api/v1/openapi.json";

  private final KeyCache cache;
  private final StoreClient store;

  public AuthHandler(KeyCache cache, StoreClient store) {
    this.cache = cache;
    this.store = store;
  }

  @Override
  public void handle(RoutingContext ctx) {
    String path = ctx.normalizedPath();
    if (!path.startsWith("/api/v1") || path.equals(PUBLIC_CONTRACT_PATH)) {
      ctx.next();
      return;
    }
    String raw = extractKey(ctx.request());
    if (raw == null) {
      ctx.put(RequestLog.AUTH_FAILURE, "missing");
      Responses.error(ctx, 401, "Missing API key");
      return;
    }
    String hash = KeyMaterial.hash(raw);
    ApiKey warm = cache.peek(hash);
    if (warm != null) {
      admit(ctx, warm, path);
      return;
    }
    HttpServerRequest req = ctx.request();
    req.pause();
    cache.load(raw, hash).onComplete(r -> {
      req.resume();
      if (r.failed()) {
        ctx.fail(r.cause());
      } else {
        admit(ctx, r.result().orElse(null), path);
      }
    });
  }

  private void admit(RoutingContext ctx, ApiKey key, String path) {
    if (key == null || !key.usableAt(OffsetDateTime.now(ZoneOffset.UTC))) {
      ctx.put(RequestLog.AUTH_FAILURE, "invalid");
      Responses.error(ctx, 401, "Invalid API key");
      return;
    }
    String scope = Scopes.requiredFor(path);
    if (scope != null && !key.hasScope(scope)) {
      ctx.put(RequestLog.AUTH_FAILURE, "scope");
      Responses.error(ctx, 403, "Insufficient API key scope");
      return;
    }
    ctx.put(API_KEY, key);
    ctx.put(RequestLog.KEY_ID, key.keyId());
    if (cache.shouldTouch(key.keyId())) {
      store.touchKey(key.keyId());
    }
    ctx.next();
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
