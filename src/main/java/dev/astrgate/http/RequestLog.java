package dev.astrgate.http;

import dev.astrgate.logging.RequestIds;
import dev.astrgate.metrics.GatewayMetrics;
import io.vertx.core.Vertx;
import io.vertx.core.Handler;
import io.vertx.ext.web.RoutingContext;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Gives each request an id (echoed as X-Request-Id) and writes one access-log line with query-string keys redacted. */
public final class RequestLog implements Handler<RoutingContext> {
  private static final Logger ACCESS = LoggerFactory.getLogger("astrgate.access");
  static final String AUTH_FAILURE = "astrgate.authFailure";
  static final String KEY_ID = "astrgate.keyId";
  private static final Pattern SAFE_ID = Pattern.compile("[A-Za-z0-9._-]{1,64}");
  private static final Pattern SECRET_PARAM = Pattern.compile("(?i)(^|&)(api_key|key|access_token)=[^&]*");

  private final String nodeName;
  private final GatewayMetrics metrics;

  public RequestLog(String nodeName, GatewayMetrics metrics) {
    this.nodeName = nodeName;
    this.metrics = metrics;
  }

  @Override
  public void handle(RoutingContext ctx) {
    long start = System.nanoTime();
    String incoming = ctx.request().getHeader("X-Request-Id");
    String rid = incoming != null && SAFE_ID.matcher(incoming).matches() ? incoming : newId();
    ctx.put(Responses.REQUEST_ID, rid);
    RequestIds.set(Vertx.currentContext(), rid);
    ctx.response().putHeader("X-Request-Id", rid);
    ctx.addEndHandler(v -> {
      String authFailure = ctx.get(AUTH_FAILURE);
      if (authFailure != null) {
        metrics.authFailure(authFailure);
      }
      if (ACCESS.isInfoEnabled()) {
        String query = ctx.request().query();
        ACCESS.info("request method={} path={}{} status={} ms={} rid={} node={} key_id={}{}",
            ctx.request().method(), ctx.request().path(), query == null ? "" : "?" + redact(query),
            ctx.response().getStatusCode(), millis(System.nanoTime() - start), rid, nodeName,
            ctx.get(KEY_ID, "-"), ctx.get(AUTH_FAILURE) == null ? "" : " auth_failure=" + ctx.get(AUTH_FAILURE));
      }
    });
    ctx.next();
  }

  /** Milliseconds with two decimals, as {@code %.2f} wrote them, without a Formatter per request. */
  static String millis(long nanos) {
    long hundredths = (nanos + 5_000) / 10_000;
    long frac = hundredths % 100;
    return (hundredths / 100) + (frac < 10 ? ".0" : ".") + frac;
  }

  /** Replaces the values of api_key, key and access_token query parameters. */
  public static String redact(String query) {
    return SECRET_PARAM.matcher(query).replaceAll("$1$2=[redacted]");
  }

  private static String newId() {
    return Long.toHexString(ThreadLocalRandom.current().nextLong() | Long.MIN_VALUE);
  }
}
