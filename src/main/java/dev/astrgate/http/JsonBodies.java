package dev.astrgate.http;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.util.Locale;

/** Reads a JSON object body as upstream does: non-JSON content types read as {}, malformed JSON is a clear 400. */
final class JsonBodies {
  private JsonBodies() {
  }

  static JsonObject object(RoutingContext ctx) {
    String type = ctx.request().getHeader("Content-Type");
    Buffer raw = ctx.body() == null ? null : ctx.body().buffer();
    if (type == null || !isJson(type) || raw == null || raw.length() == 0) {
      return new JsonObject();
    }
    Object parsed;
    try {
      parsed = io.vertx.core.json.Json.decodeValue(raw);
    } catch (DecodeException e) {
      throw ApiError.badRequest("Malformed JSON body: " + firstLine(e.getMessage()));
    }
    if (!(parsed instanceof JsonObject obj)) {
      throw ApiError.badRequest("The JSON body must be an object");
    }
    return obj;
  }

  private static boolean isJson(String contentType) {
    String t = contentType.toLowerCase(Locale.ROOT);
    int semi = t.indexOf(';');
    String mime = (semi < 0 ? t : t.substring(0, semi)).trim();
    return mime.equals("application/json") || mime.endsWith("+json");
  }

  private static String firstLine(String message) {
    if (message == null) {
      return "invalid JSON";
    }
    int nl = message.indexOf('\n');
    return nl < 0 ? message : message.substring(0, nl);
  }
}
