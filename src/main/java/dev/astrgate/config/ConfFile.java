package dev.astrgate.config;

import io.vertx.core.json.JsonObject;

/** One AstrBot-style config: {@code id} is "default" or the file stem; {@code path} as listed by /configs. */
public record ConfFile(String id, String name, String path, boolean isDefault, JsonObject json) {

  public JsonObject toListEntry() {
    return new JsonObject().put("id", id).put("name", name).put("path", path).put("is_default", isDefault);
  }
}
