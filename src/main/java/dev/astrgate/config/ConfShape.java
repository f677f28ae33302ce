package dev.astrgate.config;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/** Checks the types of the config keys the gateway reads, so mistakes surface at start-up with their path. */
final class ConfShape {
  private ConfShape() {
  }

  static void check(String file, JsonObject root) {
    for (String key : new String[] {"provider_sources", "provider", "platform"}) {
      Object v = root.getValue(key);
      if (v == null) {
        continue;
      }
      if (!(v instanceof JsonArray arr)) {
        throw new ConfException(file, "$." + key, "expected an array");
      }
      for (int i = 0; i < arr.size(); i++) {
        Object entry = arr.getValue(i);
        String at = "$." + key + "[" + i + "]";
        if (!(entry instanceof JsonObject obj)) {
          throw new ConfException(file, at, "expected an object");
        }
        Object id = obj.getValue("id");
        if (id != null && !(id instanceof String)) {
          throw new ConfException(file, at + ".id", "expected a string");
        }
        if (key.equals("provider_sources")) {
          Object keys = obj.getValue("key");
          if (keys != null && !(keys instanceof JsonArray) && !(keys instanceof String)) {
            throw new ConfException(file, at + ".key", "expected a list of strings");
          }
          requireNumber(file, obj, "timeout", at);
          Object headers = obj.getValue("custom_headers");
          if (headers != null && !(headers instanceof JsonObject)) {
            throw new ConfException(file, at + ".custom_headers", "expected an object");
          }
        }
        if (obj.getValue("enable") != null && !(obj.getValue("enable") instanceof Boolean)) {
          throw new ConfException(file, at + ".enable", "expected true or false");
        }
      }
    }
    for (String key : new String[] {"provider_settings", "platform_settings", "upload", "compat", "sse"}) {
      Object v = root.getValue(key);
      if (v != null && !(v instanceof JsonObject)) {
        throw new ConfException(file, "$." + key, "expected an object");
      }
    }
    JsonObject upload = root.getJsonObject("upload");
    if (upload != null) {
      requireNumber(file, upload, "max_bytes", "$.upload");
    }
    JsonObject sse = root.getJsonObject("sse");
    if (sse != null) {
      requireNumber(file, sse, "heartbeat_seconds", "$.sse");
    }
  }

  private static void requireNumber(String file, JsonObject obj, String key, String at) {
    Object v = obj.getValue(key);
    if (v == null || v instanceof Number) {
      return;
    }
    if (v instanceof String s) {
      try {
        Double.parseDouble(s.trim());
        return;
      } catch (NumberFormatException ignored) {
        // fall through to the error
      }
    }
    throw new ConfException(file, at + "." + key, "expected a number, got " + v);
  }
}
