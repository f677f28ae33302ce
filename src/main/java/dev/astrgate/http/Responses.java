package dev.astrgate.http;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

/** Writes upstream's JSON envelope: {@code status, message, data}, compact, ASCII-escaped, newline-terminated. */
public final class Responses {
  static final String REQUEST_ID = "request_id";

  private Responses() {
  }

  public static void ok(RoutingContext ctx, JsonObject data) {
    write(ctx, 200, new JsonObject().put("status", "ok").put("message", null).put("data", data == null ? new JsonObject() : data));
  }

  /** An error envelope; with {@code compat.http_200_errors} every non-auth error goes out as HTTP 200. */
  public static void error(RoutingContext ctx, int status, String message) {
    JsonObject body = new JsonObject().put("status", "error").put("message", message).put("data", null)
        .put(REQUEST_ID, (String) ctx.get(REQUEST_ID));
    ApiSettings settings = ctx.get(ApiSettings.KEY);
    boolean auth = status == 401 || status == 403;
    write(ctx, settings != null && settings.options().http200Errors() && !auth ? 200 : status, body);
  }

  /**
   * The error envelope on a bare response, for refusals made before a request reaches the router (the HTTP
   * decoder's, a missing Host); the connection is closed after it.
   */
  static void refuse(io.vertx.core.http.HttpServerResponse response, int status, String message, String requestId) {
    JsonObject body = new JsonObject().put("status", "error").put("message", message).put("data", null)
        .put(REQUEST_ID, requestId);
    response.setStatusCode(status)
        .putHeader("Content-Type", "application/json")
        .putHeader("X-Request-Id", requestId)
        .putHeader("Connection", "close")
        .end(Buffer.buffer(asciiJson(body.encode()) + "\n"));
  }

  static void write(RoutingContext ctx, int status, JsonObject body) {
    ctx.response()
        .setStatusCode(status)
        .putHeader("Content-Type", "application/json")
        .end(Buffer.buffer(asciiJson(body.encode()) + "\n"));
  }

  /** Escapes non-ASCII as {@code \\uXXXX}, as Python's json.dumps(ensure_ascii=True); only strings can hold such chars. */
  static String asciiJson(String json) {
    int i = 0;
    int n = json.length();
    while (i < n && json.charAt(i) < 0x80) {
      i++;
    }
    if (i == n) {
      return json;
    }
    StringBuilder sb = new StringBuilder(n + 16).append(json, 0, i);
    for (; i < n; i++) {
      char c = json.charAt(i);
      if (c < 0x80) {
        sb.append(c);
      } else {
        sb.append(String.format("\\u%04x", (int) c));
      }
    }
    return sb.toString();
  }
}
