package dev.astrgate.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.astrgate.support.TestNode;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpRequest;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import io.vertx.sqlclient.Tuple;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BiFunction;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The auth matrix: five key carriers against every way a key can be refused, with upstream's exact messages. */
@ExtendWith(VertxExtension.class)
@Timeout(value = 30, timeUnit = TimeUnit.SECONDS)
class AuthMatrixTest {
  private static TestNode node;
  private static WebClient client;
  private static String valid;
  private static String revoked;
  private static String expired;
  private static String imOnly;
  private static String boundToBob;

  /** How each carrier puts a key (possibly blank) on a request. */
  enum Carrier {
    QUERY_API_KEY((req, k) -> req.addQueryParam("api_key", k)),
    QUERY_KEY((req, k) -> req.addQueryParam("key", k)),
    HEADER_X_API_KEY((req, k) -> req.putHeader("X-API-Key", k)),
    BEARER((req, k) -> req.putHeader("Authorization", "Bearer " + k)),
    APIKEY_SCHEME((req, k) -> req.putHeader("Authorization", "ApiKey " + k));

    final BiFunction<HttpRequest<Buffer>, String, HttpRequest<Buffer>> apply;

    Carrier(BiFunction<HttpRequest<Buffer>, String, HttpRequest<Buffer>> apply) {
      this.apply = apply;
    }
  }

  @BeforeAll
  static void setUp(Vertx vertx) {
    node = TestNode.start();
    client = WebClient.create(vertx);
    valid = node.createKey();
    revoked = node.createKey();
    TestNode.await(node.pool().preparedQuery("UPDATE api_keys SET revoked_at = now() WHERE key_id = $1")
        .execute(Tuple.of(node.keyIdOf(revoked))));
    expired = node.createKey(List.of("chat"), null, OffsetDateTime.now(ZoneOffset.UTC).minusSeconds(1));
    imOnly = node.createKey("im");
    boundToBob = node.createKey(List.of("chat"), "bob", null);
  }

  @AfterAll
  static void tearDown() {
    node.close();
  }

  static Stream<Arguments> matrix() {
    Stream.Builder<Arguments> b = Stream.builder();
    for (Carrier c : Carrier.values()) {
      b.add(Arguments.of(c, "valid", 200, null));
      b.add(Arguments.of(c, "missing", 401, "Missing API key"));
      b.add(Arguments.of(c, "blank", 401, "Missing API key"));
      b.add(Arguments.of(c, "invalid", 401, "Invalid API key"));
      b.add(Arguments.of(c, "revoked", 401, "Invalid API key"));
      b.add(Arguments.of(c, "expired", 401, "Invalid API key"));
      b.add(Arguments.of(c, "wrong_scope", 403, "Insufficient API key scope"));
      b.add(Arguments.of(c, "bound_other", 403, "API key is bound to another username"));
      b.add(Arguments.of(c, "bound_self", 200, null));
    }
    return b.build();
  }

  @ParameterizedTest(name = "{0} {1} -> {2}")
  @MethodSource("matrix")
  void carrierCase(Carrier carrier, String kind, int status, String message, Vertx vertx, VertxTestContext ctx) {
    String username = kind.equals("bound_self") ? "bob" : "alice";
    HttpRequest<Buffer> req = client.get(node.port(), "127.0.0.1", "/api/v1/chat/sessions").addQueryParam("username", username);
    String key = switch (kind) {
      case "valid" -> valid;
      case "missing" -> null;
      case "blank" -> "   ";
      case "invalid" -> "abk_" + "x".repeat(43);
      case "revoked" -> revoked;
      case "expired" -> expired;
      case "wrong_scope" -> imOnly;
      default -> boundToBob;
    };
    if (key != null) {
      carrier.apply.apply(req, key);
    }
    req.send().onComplete(ctx.succeeding(resp -> ctx.verify(() -> {
      assertEquals(status, resp.statusCode(), resp.bodyAsString());
      JsonObject body = resp.bodyAsJsonObject();
      assertEquals("application/json", resp.getHeader("Content-Type"));
      if (message == null) {
        assertEquals("ok", body.getString("status"));
      } else {
        assertEquals("error", body.getString("status"));
        assertEquals(message, body.getString("message"));
        assertNull(body.getValue("data"));
        assertNotNull(resp.getHeader("X-Request-Id"));
      }
      ctx.completeNow();
    })));
  }

  @Test
  void firstNonEmptyCarrierWins(VertxTestContext ctx) {
    // A bad key in a later carrier is never looked at; a blank earlier carrier is skipped.
    Future<HttpResponse<Buffer>> a = client.get(node.port(), "127.0.0.1", "/api/v1/im/bots")
        .addQueryParam("api_key", valid).putHeader("X-API-Key", "abk_wrong").send();
    Future<HttpResponse<Buffer>> b = client.get(node.port(), "127.0.0.1", "/api/v1/im/bots")
        .addQueryParam("api_key", " ").putHeader("Authorization", "Bearer " + valid).send();
    Future<HttpResponse<Buffer>> c = client.get(node.port(), "127.0.0.1", "/api/v1/im/bots")
        .addQueryParam("key", "abk_wrong").putHeader("X-API-Key", valid).send();
    Future.all(a, b, c).onComplete(ctx.succeeding(v -> ctx.verify(() -> {
      assertEquals(200, a.result().statusCode());
      assertEquals(200, b.result().statusCode());
      assertEquals(401, c.result().statusCode());
      ctx.completeNow();
    })));
  }

  @Test
  void schemePrefixesAreCaseSensitive(VertxTestContext ctx) {
    client.get(node.port(), "127.0.0.1", "/api/v1/im/bots").putHeader("Authorization", "bearer " + valid).send()
        .onComplete(ctx.succeeding(resp -> ctx.verify(() -> {
          assertEquals(401, resp.statusCode());
          assertEquals("Missing API key", resp.bodyAsJsonObject().getString("message"));
          ctx.completeNow();
        })));
  }

  @Test
  void authRunsBeforeRoutingAndValidation(VertxTestContext ctx) {
    Future<HttpResponse<Buffer>> unknownNoKey = client.get(node.port(), "127.0.0.1", "/api/v1/nope").send();
    Future<HttpResponse<Buffer>> unknownWithKey = client.get(node.port(), "127.0.0.1", "/api/v1/nope")
        .putHeader("X-API-Key", valid).send();
    Future<HttpResponse<Buffer>> optionsNoKey = client.request(HttpMethod.OPTIONS, node.port(), "127.0.0.1", "/api/v1/chat").send();
    Future<HttpResponse<Buffer>> wrongMethod = client.delete(node.port(), "127.0.0.1", "/api/v1/im/bots")
        .putHeader("X-API-Key", valid).send();
    // Upstream's test: an im-only key posting an empty body to /file gets 403, not a validation error.
    Future<HttpResponse<Buffer>> fileWithImKey = client.post(node.port(), "127.0.0.1", "/api/v1/file")
        .putHeader("X-API-Key", imOnly).send();
    Future<HttpResponse<Buffer>> healthNoKey = client.get(node.port(), "127.0.0.1", "/healthz").send();
    Future.all(List.of(unknownNoKey, unknownWithKey, optionsNoKey, wrongMethod, fileWithImKey, healthNoKey))
        .onComplete(ctx.succeeding(v -> ctx.verify(() -> {
          assertEquals(401, unknownNoKey.result().statusCode());
          assertEquals(404, unknownWithKey.result().statusCode());
          assertEquals("error", unknownWithKey.result().bodyAsJsonObject().getString("status"));
          assertEquals(401, optionsNoKey.result().statusCode());
          assertEquals(405, wrongMethod.result().statusCode());
          assertEquals("error", wrongMethod.result().bodyAsJsonObject().getString("status"));
          assertEquals(403, fileWithImKey.result().statusCode());
          assertEquals("Insufficient API key scope", fileWithImKey.result().bodyAsJsonObject().getString("message"));
          assertEquals(200, healthNoKey.result().statusCode());
          ctx.completeNow();
        })));
  }

  @Test
  void scopeMapCoversEveryEndpoint(VertxTestContext ctx) {
    String chatOnly = node.createKey("chat");
    Future<HttpResponse<Buffer>> bots = client.get(node.port(), "127.0.0.1", "/api/v1/im/bots").putHeader("X-API-Key", chatOnly).send();
    Future<HttpResponse<Buffer>> configs = client.get(node.port(), "127.0.0.1", "/api/v1/configs").putHeader("X-API-Key", chatOnly).send();
    Future<HttpResponse<Buffer>> download = client.get(node.port(), "127.0.0.1", "/api/v1/file")
        .addQueryParam("attachment_id", "x").putHeader("X-API-Key", chatOnly).send();
    Future<HttpResponse<Buffer>> message = client.post(node.port(), "127.0.0.1", "/api/v1/im/message")
        .putHeader("X-API-Key", chatOnly).send();
    Future<HttpResponse<Buffer>> sessions = client.get(node.port(), "127.0.0.1", "/api/v1/chat/sessions")
        .addQueryParam("username", "u").putHeader("X-API-Key", imOnly).send();
    Future.all(List.of(bots, configs, download, message, sessions)).onComplete(ctx.succeeding(v -> ctx.verify(() -> {
      for (Future<HttpResponse<Buffer>> f : List.of(bots, configs, download, message, sessions)) {
        assertEquals(403, f.result().statusCode(), f.result().bodyAsString());
      }
      ctx.completeNow();
    })));
  }

  @Test
  void lastUsedIsWrittenOncePerMinute(Vertx vertx, VertxTestContext ctx) {
    String key = node.createKey("im");
    String keyId = node.keyIdOf(key);
    Future<?> first = client.get(node.port(), "127.0.0.1", "/api/v1/im/bots").putHeader("X-API-Key", key).send();
    first.compose(r -> vertx.timer(300))
        .compose(v -> node.pool().preparedQuery("UPDATE api_keys SET last_used_at = NULL WHERE key_id = $1 AND last_used_at IS NOT NULL")
            .execute(Tuple.of(keyId)))
        .compose(rows -> {
          ctx.verify(() -> assertEquals(1, rows.rowCount(), "first use must record last_used_at"));
          return Future.all(List.of(
              client.get(node.port(), "127.0.0.1", "/api/v1/im/bots").putHeader("X-API-Key", key).send(),
              client.get(node.port(), "127.0.0.1", "/api/v1/im/bots").putHeader("X-API-Key", key).send()));
        })
        .compose(v -> vertx.timer(300))
        .compose(v -> node.pool().preparedQuery("SELECT last_used_at FROM api_keys WHERE key_id = $1").execute(Tuple.of(keyId)))
        .onComplete(ctx.succeeding(rows -> ctx.verify(() -> {
          assertNull(rows.iterator().next().getValue(0), "uses within the minute must not write again");
          ctx.completeNow();
        })));
  }

  @Test
  void queryStringKeysAreRedactedFromLogs() {
    assertEquals("api_key=[redacted]&username=a&key=[redacted]",
        RequestLog.redact("api_key=abk_secret&username=a&key=abk_other"));
    assertEquals("monkey=1", RequestLog.redact("monkey=1"));
  }
}
