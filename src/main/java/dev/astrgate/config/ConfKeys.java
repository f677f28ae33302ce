package dev.astrgate.config;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Every config key astrgate reads, as dotted paths ({@code []} for the entries of a list). An AstrBot
 * {@code cmd_config.json} holds many more; those are kept in the file and named once at start-up, never an error.
 * docs/config.md has the same list with upstream's meaning and default beside each.
 */
public final class ConfKeys {
  /** The keys read; a section whose name is here but whose children are not is read as a whole. */
  public static final Set<String> READ = Set.of(
      "name",
      "provider_sources", "provider_sources[].id", "provider_sources[].type", "provider_sources[].enable",
      "provider_sources[].key", "provider_sources[].api_base", "provider_sources[].timeout",
      "provider_sources[].custom_headers", "provider_sources[].model", "provider_sources[].max_tokens",
      "provider_sources[].provider_type",
      "provider", "provider[].id", "provider[].provider_source_id", "provider[].model", "provider[].model_config",
      "provider[].enable", "provider[].modalities", "provider[].type", "provider[].key", "provider[].api_base",
      "provider[].timeout", "provider[].custom_headers", "provider[].max_tokens", "provider[].provider_type",
      "provider_settings", "provider_settings.default_provider_id", "provider_settings.streaming_response",
      "provider_settings.display_reasoning_text", "provider_settings.max_context_length",
      "provider_settings.dequeue_context_length", "provider_settings.generate_session_title",
      "provider_settings.default_personality",
      "persona", "wake_prefix",
      "platform", "platform[].id", "platform[].type", "platform[].enable",
      "platform[].telegram_token", "platform[].telegram_api_base_url", "platform[].telegram_file_base_url",
      "platform[].telegram_polling_timeout",
      "platform[].ws_reverse_host", "platform[].ws_reverse_port", "platform[].ws_reverse_token",
      "platform[].api_timeout_seconds", "platform[].attachment_max_bytes",
      "platform_settings", "platform_settings.rate_limit", "platform_settings.wake_prefix",
      "upload", "upload.max_bytes", "upload.json_max_bytes",
      "compat", "compat.http_200_errors",
      "sse", "sse.heartbeat_seconds");

  private ConfKeys() {
  }

  /** The keys of {@code conf} that astrgate does not read, in file order, each list-entry key once. */
  public static List<String> ignored(JsonObject conf) {
    Set<String> out = new LinkedHashSet<>();
    walk(conf, "", out);
    return new ArrayList<>(out);
  }

  private static void walk(JsonObject obj, String prefix, Set<String> out) {
    for (String key : obj.fieldNames()) {
      String path = prefix + key;
      if (!READ.contains(path)) {
        out.add(path);
        continue;
      }
      Object v = obj.getValue(key);
      boolean hasChildren = READ.stream().anyMatch(k -> k.startsWith(path + ".") || k.startsWith(path + "[]."));
      if (!hasChildren) {
        continue;
      }
      if (v instanceof JsonObject child) {
        walk(child, path + ".", out);
      } else if (v instanceof JsonArray list) {
        for (Object entry : list) {
          if (entry instanceof JsonObject e) {
            walk(e, path + "[].", out);
          }
        }
      }
    }
  }
}
