package dev.astrgate.http;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.io.IOException;
import java.util.Locale;

/**
 * Reads JSON request bodies as upstream's parser (Python's {@code json}) does: strict RFC 8259, so no comments,
 * single quotes, unquoted names, trailing commas or trailing data (Vert.x's own decoder allows comments). Unlike
 * Python, {@code NaN}, {@code Infinity} and {@code -Infinity} are refused: PostgreSQL's jsonb cannot store them and
 * no JSON peer can read them back. Duplicate names keep the last value, as Python does. A string holding NUL is
 * refused too, since PostgreSQL refuses NUL in text and jsonb.
 */
final class JsonBodies {
  // Jackson's defaults are strict; Vert.x's factory is not used here because it enables comments.
  private static final JsonFactory STRICT = JsonFactory.builder().build();

  private JsonBodies() {
  }

  /** Chat's body: non-JSON content types read as {}, malformed JSON is a clear 400. */
  static JsonObject object(RoutingContext ctx) {
    String type = ctx.request().getHeader("Content-Type");
    Buffer raw = ctx.body() == null ? null : ctx.body().buffer();
    if (type == null || !isJson(type) || raw == null || raw.length() == 0) {
      return new JsonObject();
    }
    Object parsed;
    try {
      parsed = decode(raw);
    } catch (DecodeException e) {
      throw ApiError.badRequest("Malformed JSON body: " + firstLine(e.getMessage()));
    }
    if (!(parsed instanceof JsonObject obj)) {
      throw ApiError.badRequest("The JSON body must be an object");
    }
    return obj;
  }

  /** One strict JSON value, or {@link DecodeException}; then the NUL check (400 naming the first field with NUL). */
  static Object decode(Buffer raw) {
    Object value;
    try (JsonParser p = STRICT.createParser(raw.getBytes())) {
      JsonToken first = p.nextToken();
      if (first == null) {
        throw new DecodeException("empty body");
      }
      value = read(p, first);
      if (p.nextToken() != null) {
        throw new DecodeException("unexpected data after the JSON value at " + where(p));
      }
    } catch (StreamConstraintsException e) {
      throw new DecodeException("too deeply nested or too long: " + e.getOriginalMessage());
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      String m = e.getOriginalMessage();
      throw new DecodeException(plain(m) + " at " + where(e));
    } catch (IOException e) {
      throw new DecodeException(e.getMessage());
    }
    String nul = InputChecks.nulPath(value, "");
    if (nul != null) {
      throw ApiError.badRequest((nul.isEmpty() ? "The JSON body" : nul) + " must not contain NUL (\\u0000)");
    }
    return value;
  }

  private static Object read(JsonParser p, JsonToken t) throws IOException {
    switch (t) {
      case START_OBJECT -> {
        JsonObject o = new JsonObject();
        for (JsonToken k = p.nextToken(); k != JsonToken.END_OBJECT; k = p.nextToken()) {
          String name = p.currentName();
          o.put(name, read(p, p.nextToken()));
        }
        return o;
      }
      case START_ARRAY -> {
        JsonArray a = new JsonArray();
        for (JsonToken v = p.nextToken(); v != JsonToken.END_ARRAY; v = p.nextToken()) {
          a.add(read(p, v));
        }
        return a;
      }
      case VALUE_STRING -> {
        return p.getText();
      }
      case VALUE_NUMBER_INT -> {
        return p.getNumberValue();
      }
      case VALUE_NUMBER_FLOAT -> {
        return p.getDoubleValue();
      }
      case VALUE_TRUE -> {
        return Boolean.TRUE;
      }
      case VALUE_FALSE -> {
        return Boolean.FALSE;
      }
      case VALUE_NULL -> {
        return null;
      }
      default -> throw new DecodeException("unexpected " + t + " at " + where(p));
    }
  }

  /** Jackson's text without its hints about parser features and sources, which mean nothing to a client. */
  private static String plain(String m) {
    if (m == null) {
      return "invalid JSON";
    }
    for (String cut : new String[] {" (start marker at", ": maybe a (non-standard) comment", ": enable `", " (not recognized"}) {
      int at = m.indexOf(cut);
      if (at >= 0) {
        m = m.substring(0, at);
      }
    }
    return m;
  }

  private static String where(JsonParser p) {
    return "line " + p.currentLocation().getLineNr() + " column " + p.currentLocation().getColumnNr();
  }

  private static String where(com.fasterxml.jackson.core.JsonProcessingException e) {
    return e.getLocation() == null ? "unknown position"
        : "line " + e.getLocation().getLineNr() + " column " + e.getLocation().getColumnNr();
  }

  static boolean isJson(String contentType) {
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
