package dev.astrgate.platform.satori;

import dev.astrgate.platform.Attachments;
import dev.astrgate.platform.PlatformConfig;
import io.vertx.core.json.JsonObject;

/** A {@code satori} platform entry, with AstrBot's keys and defaults. */
public record SatoriOptions(String platformId, String apiBaseUrl, String endpoint, String token, boolean autoReconnect,
                            long heartbeatSeconds, long reconnectDelaySeconds, long attachmentMaxBytes) {
  /** AstrBot caps the reconnect back-off at a minute. */
  static final long MAX_RECONNECT_DELAY_SECONDS = 60;

  public static SatoriOptions of(JsonObject entry) {
    String base = PlatformConfig.string(entry, "satori_api_base_url", "http://localhost:5140/satori/v1");
    while (base.endsWith("/")) {
      base = base.substring(0, base.length() - 1);
    }
    return new SatoriOptions(entry.getString("id"), base,
        PlatformConfig.string(entry, "satori_endpoint", "ws://localhost:5140/satori/v1/events"),
        PlatformConfig.string(entry, "satori_token", ""),
        !Boolean.FALSE.equals(entry.getValue("satori_auto_reconnect")) && !"false".equals(entry.getValue("satori_auto_reconnect")),
        PlatformConfig.number(entry, "satori_heartbeat_interval", 10),
        PlatformConfig.number(entry, "satori_reconnect_delay", 5),
        PlatformConfig.number(entry, "attachment_max_bytes", Attachments.DEFAULT_MAX_BYTES));
  }

  /** The wait before reconnect attempt {@code n} (1-based): the delay doubled each time, at most a minute. */
  long reconnectDelayMs(int attempt) {
    long delay = reconnectDelaySeconds;
    for (int i = 1; i < attempt && delay < MAX_RECONNECT_DELAY_SECONDS; i++) {
      delay *= 2;
    }
    return Math.min(delay, MAX_RECONNECT_DELAY_SECONDS) * 1000;
  }
}
