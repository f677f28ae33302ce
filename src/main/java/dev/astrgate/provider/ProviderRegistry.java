package dev.astrgate.provider;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClient;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The chat providers of one config (AstrBot v4.22 provider_sources + provider), all on one shared WebClient. */
public final class ProviderRegistry {
  private static final Logger LOG = LoggerFactory.getLogger(ProviderRegistry.class);

  private final WebClient web;
  private final Map<String, ChatProvider> byId;
  private final ChatProvider defaultProvider;

  private ProviderRegistry(WebClient web, Map<String, ChatProvider> byId, ChatProvider defaultProvider) {
    this.web = web;
    this.byId = byId;
    this.defaultProvider = defaultProvider;
  }

  /**
   * Builds the enabled providers. An entry inherits its source's settings (its own keys win); disabled entries
   * and entries of disabled sources are skipped; a broken entry is logged and skipped, never fatal.
   */
  public static ProviderRegistry fromConfig(Vertx vertx, JsonObject astrbotConfig) {
    JsonObject conf = astrbotConfig == null ? new JsonObject() : astrbotConfig;
    Map<String, JsonObject> sources = new LinkedHashMap<>();
    for (JsonObject source : objects(conf.getValue("provider_sources"))) {
      if (source.getValue("id") instanceof String id) {
        sources.put(id, source);
      }
    }
    WebClient web = UpstreamClient.create(vertx);
    Map<String, ChatProvider> providers = new LinkedHashMap<>();
    for (JsonObject entry : objects(conf.getValue("provider"))) {
      Object id = entry.getValue("id");
      if (Boolean.FALSE.equals(entry.getValue("enable"))) {
        LOG.info("provider skipped id={} reason=disabled", id);
        continue;
      }
      if (entry.getValue("provider_type") instanceof String pt && !pt.equals("chat_completion")) {
        continue;
      }
      JsonObject merged = new JsonObject();
      Object sourceId = entry.getValue("provider_source_id");
      if (sourceId != null) {
        JsonObject source = sources.get(String.valueOf(sourceId));
        if (source == null) {
          LOG.warn("provider skipped id={} reason=unknown_source source={}", id, sourceId);
          continue;
        }
        if (Boolean.FALSE.equals(source.getValue("enable"))) {
          LOG.info("provider skipped id={} reason=source_disabled source={}", id, sourceId);
          continue;
        }
        merged.mergeIn(source);
      }
      // Entry values win over the source's; the entry's id is the provider's id.
      entry.forEach(e -> {
        if (e.getValue() != null) {
          merged.put(e.getKey(), e.getValue());
        }
      });
      try {
        ProviderSettings settings = ProviderSettings.from(merged);
        if (providers.containsKey(settings.id())) {
          LOG.warn("provider skipped id={} reason=duplicate_id", settings.id());
          continue;
        }
        Dialect dialect = settings.type().equals(AnthropicDialect.TYPE) ? new AnthropicDialect() : new OpenAiDialect();
        providers.put(settings.id(), new HttpChatProvider(vertx, web, settings, dialect));
        LOG.info("provider ready id={} type={} model={} api_base={} keys={} timeout_ms={}", settings.id(),
            settings.type(), settings.model(), withoutUserInfo(settings.apiBase()), settings.keys().size(),
            settings.timeoutMs());
      } catch (IllegalArgumentException e) {
        LOG.warn("provider skipped id={} reason={}", id, e.getMessage());
      }
    }
    ChatProvider chosen = null;
    JsonObject ps = conf.getValue("provider_settings") instanceof JsonObject o ? o : new JsonObject();
    if (ps.getValue("default_provider_id") instanceof String wanted && !wanted.isBlank()) {
      chosen = providers.get(wanted.strip());
      if (chosen == null) {
        LOG.warn("default provider not available id={} fallback=first", wanted);
      }
    }
    if (chosen == null && !providers.isEmpty()) {
      chosen = providers.values().iterator().next();
    }
    return new ProviderRegistry(web, Collections.unmodifiableMap(providers), chosen);
  }

  public Optional<ChatProvider> byId(String id) {
    return id == null ? Optional.empty() : Optional.ofNullable(byId.get(id));
  }

  /** default_provider_id when it names an enabled provider, else the first enabled one. */
  public Optional<ChatProvider> defaultProvider() {
    return Optional.ofNullable(defaultProvider);
  }

  /** Every enabled provider in config order. */
  public List<ChatProvider> all() {
    return List.copyOf(byId.values());
  }

  /** Closes the shared HTTP client; calls still running fail. */
  public void close() {
    web.close();
  }

  /** An api_base may carry credentials (https://user:pass@host); they stay out of the log. */
  static String withoutUserInfo(String url) {
    return url.replaceFirst("//[^/@]*@", "//***@");
  }

  private static List<JsonObject> objects(Object value) {
    List<JsonObject> out = new ArrayList<>();
    if (value instanceof JsonArray a) {
      for (Object o : a) {
        if (o instanceof JsonObject j) {
          out.add(j);
        }
      }
    }
    return out;
  }
}
