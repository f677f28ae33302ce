package dev.astrgate.provider;

import io.vertx.core.Vertx;
import io.vertx.core.http.PoolOptions;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import io.vertx.ext.web.client.impl.ClientPhase;
import io.vertx.ext.web.client.impl.HttpContext;

/**
 * The WebClient all providers of a registry share. Its interceptor hands each call the underlying
 * HttpClientRequest (so cancel can reset it, which closes an HTTP/1.1 connection) and the response head
 * (so the call knows the status before the body is piped into it).
 */
final class UpstreamClient {
  /** Enough connections per upstream host for a thousand concurrent streams without queueing. */
  static final int MAX_CONNECTIONS_PER_HOST = 1024;

  private UpstreamClient() {
  }

  static WebClient create(Vertx vertx) {
    WebClientOptions options = new WebClientOptions()
        .setUserAgent("astrgate")
        .setFollowRedirects(false)
        .setKeepAlive(true)
        // Under most servers' idle close, so a reused connection is rarely one the server is dropping.
        .setKeepAliveTimeout(30)
        .setConnectTimeout(30_000);
    PoolOptions pool = new PoolOptions().setHttp1MaxSize(MAX_CONNECTIONS_PER_HOST).setMaxWaitQueueSize(-1);
    WebClient client = WebClient.create(vertx, options, pool);
    client.addInterceptor(UpstreamClient::intercept);
    return client;
  }

  private static void intercept(HttpContext<?> hc) {
    if (hc.request().bodyCodec() instanceof UpstreamCall.Attempt attempt) {
      if (hc.phase() == ClientPhase.SEND_REQUEST && !attempt.onSend(hc.clientRequest())) {
        // Cancelled while the connection was being set up: the request is never written. The handler keeps
        // Vert.x from logging the reset as an unhandled error.
        hc.clientRequest().exceptionHandler(e -> { }).reset();
        hc.fail(ProviderException.cancelled());
        return;
      }
      if (hc.phase() == ClientPhase.RECEIVE_RESPONSE) {
        attempt.onHeaders(hc.clientResponse());
      }
    }
    hc.next();
  }
}
