package dev.astrgate.config;

import io.vertx.core.json.JsonObject;
import java.util.Map;

/**
 * HTTP behaviour settings: from the default conf's {@code upload}, {@code compat}, {@code sse} and {@code limits} sections,
 * each overridable from the environment.
 */
public record ApiOptions(long uploadMaxBytes, long jsonMaxBytes, boolean http200Errors, int sseHeartbeatSeconds,
                         InputLimits limits, long bodyTimeoutMs, int maxFormParts, int maxPartHeaderBytes) {

  public static final long DEFAULT_UPLOAD_MAX = 128L * 1024 * 1024;

  public static ApiOptions from(JsonObject conf, Map<String, String> env) {
    JsonObject upload = conf.getJsonObject("upload", new JsonObject());
    JsonObject compat = conf.getJsonObject("compat", new JsonObject());
    JsonObject sse = conf.getJsonObject("sse", new JsonObject());
    long uploadMax = longOf(env.get("ASTRGATE_UPLOAD_MAX_BYTES"), number(upload.getValue("max_bytes"), DEFAULT_UPLOAD_MAX));
    long jsonMax = longOf(env.get("ASTRGATE_JSON_MAX_BYTES"), number(upload.getValue("json_max_bytes"), 4L * 1024 * 1024));
    boolean http200 = env.containsKey("ASTRGATE_COMPAT_HTTP_200_ERRORS")
        ? Boolean.parseBoolean(env.get("ASTRGATE_COMPAT_HTTP_200_ERRORS").trim())
        : Boolean.TRUE.equals(compat.getValue("http_200_errors")) || "true".equals(compat.getValue("http_200_errors"));
    int heartbeat = (int) longOf(env.get("ASTRGATE_SSE_HEARTBEAT_SECONDS"), number(sse.getValue("heartbeat_seconds"), 5));
    long bodyTimeout = longOf(env.get("ASTRGATE_BODY_TIMEOUT_MS"), number(upload.getValue("body_timeout_ms"), 10_000));
    int parts = (int) longOf(env.get("ASTRGATE_UPLOAD_MAX_PARTS"), number(upload.getValue("max_parts"), 16));
    int partHeader = (int) longOf(env.get("ASTRGATE_UPLOAD_MAX_PART_HEADER_BYTES"),
        number(upload.getValue("max_part_header_bytes"), 8192));
    if (bodyTimeout < 100 || parts < 1 || partHeader < 256) {
      throw new IllegalArgumentException("upload limits: body_timeout_ms >= 100, max_parts >= 1, max_part_header_bytes >= 256");
    }
    return new ApiOptions(uploadMax, jsonMax, http200, heartbeat, InputLimits.from(conf, env), bodyTimeout, parts, partHeader);
  }

  private static long number(Object v, long def) {
    if (v instanceof Number n) {
      return n.longValue();
    }
    if (v instanceof String s && !s.isBlank()) {
      return (long) Double.parseDouble(s.trim());
    }
    return def;
  }

  private static long longOf(String env, long def) {
    return env == null || env.isBlank() ? def : Long.parseLong(env.trim());
  }
}
