package dev.astrgate.provider;

import io.vertx.core.Vertx;
import io.vertx.ext.web.client.WebClient;
import java.util.Objects;

/** A chat provider speaking one {@link Dialect} over the registry's shared WebClient. */
final class HttpChatProvider implements ChatProvider {
  private final Vertx vertx;
  private final WebClient web;
  private final ProviderSettings settings;
  private final Dialect dialect;
  private final KeyRing keys;
  private final String url;

  HttpChatProvider(Vertx vertx, WebClient web, ProviderSettings settings, Dialect dialect) {
    this.vertx = vertx;
    this.web = web;
    this.settings = settings;
    this.dialect = dialect;
    this.keys = new KeyRing(settings.keys());
    this.url = settings.apiBase() + dialect.path();
  }

  @Override
  public String id() {
    return settings.id();
  }

  @Override
  public String model() {
    return settings.model();
  }

  @Override
  public ProviderCall call(ProviderRequest request, ProviderListener listener) {
    Objects.requireNonNull(request, "request");
    UpstreamCall call = new UpstreamCall(this, request, listener == null ? ProviderListener.NONE : listener,
        vertx.getOrCreateContext());
    call.start();
    return call;
  }

  Vertx vertx() {
    return vertx;
  }

  WebClient web() {
    return web;
  }

  ProviderSettings settings() {
    return settings;
  }

  Dialect dialect() {
    return dialect;
  }

  KeyRing keys() {
    return keys;
  }

  String url() {
    return url;
  }

  @Override
  public String toString() {
    return "provider[" + settings.id() + " " + settings.type() + " " + settings.model() + "]";
  }
}
