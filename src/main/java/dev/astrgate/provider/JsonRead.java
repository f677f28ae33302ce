package dev.astrgate.provider;

import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/** Lenient typed reads from upstream JSON: a field of the wrong type reads as absent instead of throwing. */
final class JsonRead {
  private JsonRead() {
  }

  static JsonObject parseObject(String text, String what) {
    Object value;
    try {
      value = io.vertx.core.json.Json.decodeValue(text);
    } catch (DecodeException e) {
      throw ProviderException.malformed("could not parse " + what + ": " + abbreviate(text, 200));
    }
    if (value instanceof JsonObject o) {
      return o;
    }
    throw ProviderException.malformed(what + " is not a JSON object: " + abbreviate(text, 200));
  }

  static JsonObject obj(JsonObject o, String key) {
    return o != null && o.getValue(key) instanceof JsonObject v ? v : null;
  }

  static JsonArray arr(JsonObject o, String key) {
    return o != null && o.getValue(key) instanceof JsonArray v ? v : null;
  }

  static String str(JsonObject o, String key) {
    return o != null && o.getValue(key) instanceof String v ? v : null;
  }

  static long num(JsonObject o, String key) {
    return o != null && o.getValue(key) instanceof Number v ? v.longValue() : 0L;
  }

  static boolean has(JsonObject o, String key) {
    return o != null && o.getValue(key) instanceof Number;
  }

  static JsonObject first(JsonArray a) {
    return a != null && !a.isEmpty() && a.getValue(0) instanceof JsonObject v ? v : null;
  }

  static String abbreviate(String s, int max) {
    String t = s.strip();
    return t.length() <= max ? t : t.substring(0, max) + "…";
  }
}
