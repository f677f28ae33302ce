package dev.astrgate.http;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

/** The 400s for text a request may not carry: over its length limit, or holding NUL (PostgreSQL refuses NUL in text). */
final class InputChecks {
  private InputChecks() {
  }

  /** The node's limits, from the settings every request carries. */
  static dev.astrgate.config.InputLimits limits(RoutingContext ctx) {
    return ((ApiSettings) ctx.get(ApiSettings.KEY)).options().limits();
  }

  /** Refuses {@code value} (may be null) when it is longer than {@code max} characters or holds NUL. */
  static void text(String field, String value, int max) {
    if (value == null) {
      return;
    }
    nul(field, value);
    int n = value.codePointCount(0, value.length());
    if (n > max) {
      throw ApiError.badRequest(field + " is too long: " + n + " characters, the limit is " + max);
    }
  }

  static void nul(String field, String value) {
    if (value != null && value.indexOf('\0') >= 0) {
      throw ApiError.badRequest(field + " must not contain NUL (\\u0000)");
    }
  }

  /** What is wrong with the query string (it does not decode, or a name or value holds NUL), or null. */
  static String query(io.vertx.core.http.HttpServerRequest req) {
    if (req.query() == null) {
      return null;
    }
    io.vertx.core.MultiMap params;
    try {
      params = req.params();
    } catch (RuntimeException e) {
      return "Malformed query string";
    }
    for (var e : params) {
      if ((e.getKey() + e.getValue()).indexOf('\0') >= 0) {
        return "query parameter " + e.getKey().replace("\0", "\\u0000") + " must not contain NUL (\\u0000)";
      }
    }
    return null;
  }

  /** The characters of a message: a string, or the {@code text} of every plain part of a list. */
  static void message(Object message, int max) {
    long n = 0;
    if (message instanceof String s) {
      n = s.codePointCount(0, s.length());
    } else if (message instanceof JsonArray parts) {
      for (Object o : parts) {
        if (o instanceof JsonObject p && "plain".equals(p.getValue("type")) && p.getValue("text") instanceof String t) {
          n += t.codePointCount(0, t.length());
        }
      }
    }
    if (n > max) {
      throw ApiError.badRequest("message text is too long: " + n + " characters, the limit is " + max);
    }
  }

  /** The JSON path of the first string (key or value) holding NUL, or null. */
  static String nulPath(Object value, String path) {
    if (value instanceof String s) {
      return s.indexOf('\0') >= 0 ? path : null;
    }
    if (value instanceof JsonObject o) {
      for (var e : o) {
        String at = path.isEmpty() ? e.getKey() : path + "." + e.getKey();
        if (e.getKey().indexOf('\0') >= 0) {
          return at.replace("\0", "\\u0000");
        }
        String found = nulPath(e.getValue(), at);
        if (found != null) {
          return found;
        }
      }
    } else if (value instanceof JsonArray a) {
      for (int i = 0; i < a.size(); i++) {
        String found = nulPath(a.getValue(i), path + "[" + i + "]");
        if (found != null) {
          return found;
        }
      }
    }
    return null;
  }
}
