package dev.astrgate.http;

import dev.astrgate.store.StoreClient;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

/** GET /api/v1/chat/sessions with upstream's checks, messages and clamping. */
final class SessionRoutes {
  private final StoreClient store;

  SessionRoutes(StoreClient store) {
    this.store = store;
  }

  void list(RoutingContext ctx) {
    String username = ctx.request().getParam("username");
    if (username == null) {
      throw ApiError.badRequest("Missing key: username");
    }
    username = username.strip();
    if (username.isEmpty()) {
      throw ApiError.badRequest("username is empty");
    }
    var limits = InputChecks.limits(ctx);
    InputChecks.text("username", username, limits.username());
    InputChecks.text("platform_id", ctx.request().getParam("platform_id"), limits.platformId());
    AuthHandler.checkUsername(ctx, username);
    int page;
    int pageSize;
    try {
      page = parseInt(ctx.request().getParam("page"), 1);
      pageSize = parseInt(ctx.request().getParam("page_size"), 20);
    } catch (NumberFormatException e) {
      throw ApiError.badRequest("page and page_size must be integers");
    }
    int p = Math.max(page, 1);
    int size = Math.min(Math.max(pageSize, 1), 100);
    String platform = ctx.request().getParam("platform_id");
    String platformId = platform == null || platform.isEmpty() ? null : platform;
    store.listSessions(username, platformId, p, size)
        .onSuccess(result -> Responses.ok(ctx, new JsonObject()
            .put("sessions", result.sessions())
            .put("page", p)
            .put("page_size", size)
            .put("total", result.total())))
        .onFailure(ctx::fail);
  }

  /** Like Python's int(): surrounding whitespace allowed, anything else but an integer is refused. */
  private static int parseInt(String value, int def) {
    if (value == null) {
      return def;
    }
    String s = value.strip();
    if (s.startsWith("+")) {
      s = s.substring(1);
    }
    long v = Long.parseLong(s.replace("_", ""));
    return (int) Math.max(Integer.MIN_VALUE, Math.min(Integer.MAX_VALUE, v));
  }
}
