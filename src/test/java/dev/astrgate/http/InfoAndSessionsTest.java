package dev.astrgate.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.astrgate.support.ContractCheck;
import dev.astrgate.support.TestNode;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import io.vertx.sqlclient.Tuple;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** GET im/bots, configs and chat/sessions against a real node and PostgreSQL, validated against the contract. */
@ExtendWith(VertxExtension.class)
@Timeout(value = 30, timeUnit = TimeUnit.SECONDS)
class InfoAndSessionsTest {
  private static TestNode node;
  private static WebClient client;
  private static String key;
  private static final String USER = "pager-" + System.nanoTime();

  @BeforeAll
  static void setUp(Vertx vertx) throws Exception {
    node = TestNode.start();
    client = WebClient.create(vertx);
    key = node.createKey();
    ContractCheck.load(vertx);
    // 25 sessions for USER: 20 on webchat, 5 on qq; two share one updated_at to exercise the tie-breaker.
    OffsetDateTime base = OffsetDateTime.of(2026, 1, 1, 0, 0, 0, 0, ZoneOffset.UTC);
    List<Tuple> rows = new ArrayList<>();
    for (int i = 0; i < 25; i++) {
      OffsetDateTime updated = i == 24 ? base.plusMinutes(23) : base.plusMinutes(i);
      rows.add(Tuple.of(USER + "-s" + i, i < 20 ? "webchat" : "qq_main", USER, i % 2 == 0 ? null : "title " + i, 0,
          base, updated));
    }
    rows.add(Tuple.of(USER + "-other", "webchat", USER + "-someone-else", null, 0, base, base));
    TestNode.await(node.pool().preparedQuery("INSERT INTO platform_sessions (session_id, platform_id, creator, display_name,"
        + " is_group, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7)").executeBatch(rows));
  }

  @AfterAll
  static void tearDown() {
    node.close();
  }

  private Future<HttpResponse<Buffer>> get(String path, Map<String, String> query) {
    var req = client.get(node.port(), "127.0.0.1", path).putHeader("X-API-Key", key);
    query.forEach(req::addQueryParam);
    return req.send();
  }

  @Test
  void botsListsConfiguredIdsOnceInOrderIncludingDisabled(Vertx vertx, VertxTestContext ctx) {
    get("/api/v1/im/bots", Map.of()).compose(r -> ContractCheck.check("get", "/api/v1/im/bots", r)).onComplete(ctx.succeeding(resp -> ctx.verify(() -> {
      assertEquals(200, resp.statusCode());
      assertEquals(new JsonArray().add("qq_main").add("tg_off"), resp.bodyAsJsonObject().getJsonObject("data").getJsonArray("bot_ids"));
      assertTrue(resp.bodyAsString().endsWith("\n"));
      ctx.completeNow();
    })));
  }

  @Test
  void configsListsDefaultLast(Vertx vertx, VertxTestContext ctx) {
    get("/api/v1/configs", Map.of()).compose(r -> ContractCheck.check("get", "/api/v1/configs", r)).onComplete(ctx.succeeding(resp -> ctx.verify(() -> {
      assertEquals(200, resp.statusCode());
      JsonArray configs = resp.bodyAsJsonObject().getJsonObject("data").getJsonArray("configs");
      JsonObject last = configs.getJsonObject(configs.size() - 1);
      assertEquals("default", last.getString("id"));
      assertEquals(true, last.getBoolean("is_default"));
      assertTrue(Path.of(last.getString("path")).isAbsolute());
      assertTrue(Files.isRegularFile(Path.of(last.getString("path"))));
      ctx.completeNow();
    })));
  }

  @Test
  void sessionsFirstPageNewestFirstWithTotal(Vertx vertx, VertxTestContext ctx) {
    get("/api/v1/chat/sessions", Map.of("username", USER, "page_size", "10"))
        .compose(r -> ContractCheck.check("get", "/api/v1/chat/sessions", r)).onComplete(ctx.succeeding(resp -> ctx.verify(() -> {
      assertEquals(200, resp.statusCode());
      JsonObject data = resp.bodyAsJsonObject().getJsonObject("data");
      assertEquals(25, data.getLong("total"));
      assertEquals(1, data.getInteger("page"));
      assertEquals(10, data.getInteger("page_size"));
      JsonArray s = data.getJsonArray("sessions");
      assertEquals(10, s.size());
      // s24 and s23 share updated_at; the later insert comes first.
      assertEquals(USER + "-s24", s.getJsonObject(0).getString("session_id"));
      assertEquals(USER + "-s23", s.getJsonObject(1).getString("session_id"));
      assertEquals(USER + "-s22", s.getJsonObject(2).getString("session_id"));
      JsonObject item = s.getJsonObject(2);
      assertEquals("qq_main", item.getString("platform_id"));
      assertEquals(USER, item.getString("creator"));
      assertEquals(0, item.getInteger("is_group"));
      assertEquals("2026-01-01T00:00:00+00:00", item.getString("created_at"));
      assertEquals("2026-01-01T00:22:00+00:00", item.getString("updated_at"));
      ctx.completeNow();
    })));
  }

  @Test
  void pagesNeverOverlapAndCoverEverything(VertxTestContext ctx) {
    List<Future<HttpResponse<Buffer>>> pages = new ArrayList<>();
    for (int p = 1; p <= 4; p++) {
      pages.add(get("/api/v1/chat/sessions", Map.of("username", USER, "page", Integer.toString(p), "page_size", "7")));
    }
    Future.all(pages).onComplete(ctx.succeeding(v -> ctx.verify(() -> {
      List<String> ids = new ArrayList<>();
      for (Future<HttpResponse<Buffer>> f : pages) {
        f.result().bodyAsJsonObject().getJsonObject("data").getJsonArray("sessions")
            .forEach(o -> ids.add(((JsonObject) o).getString("session_id")));
      }
      assertEquals(25, ids.size());
      assertEquals(25, ids.stream().distinct().count());
      ctx.completeNow();
    })));
  }

  @ParameterizedTest(name = "page={0} page_size={1} -> page {2}, size {3}, {4} items")
  @CsvSource({
      "0, 5, 1, 5, 5",
      "-3, 5, 1, 5, 5",
      "1, 0, 1, 1, 1",
      "1, -1, 1, 1, 1",
      "1, 500, 1, 100, 25",
      "99, 20, 99, 20, 0",
      "' 2 ', 20, 2, 20, 5"})
  void paginationIsClampedAsUpstream(String page, String size, int expPage, int expSize, int items, VertxTestContext ctx) {
    get("/api/v1/chat/sessions", Map.of("username", USER, "page", page, "page_size", size))
        .onComplete(ctx.succeeding(resp -> ctx.verify(() -> {
          assertEquals(200, resp.statusCode(), resp.bodyAsString());
          JsonObject data = resp.bodyAsJsonObject().getJsonObject("data");
          assertEquals(expPage, data.getInteger("page"));
          assertEquals(expSize, data.getInteger("page_size"));
          assertEquals(items, data.getJsonArray("sessions").size());
          assertEquals(25, data.getLong("total"));
          ctx.completeNow();
        })));
  }

  @ParameterizedTest(name = "page={0} page_size={1}")
  @CsvSource({"abc, 10", "1, x", "1.5, 10", "1, 2e3", "'', 10"})
  void nonIntegersAreRefused(String page, String size, VertxTestContext ctx) {
    get("/api/v1/chat/sessions", Map.of("username", USER, "page", page, "page_size", size))
        .onComplete(ctx.succeeding(resp -> ctx.verify(() -> {
          assertEquals(400, resp.statusCode());
          assertEquals("page and page_size must be integers", resp.bodyAsJsonObject().getString("message"));
          ctx.completeNow();
        })));
  }

  @Test
  void usernameIsRequiredAndNotBlank(VertxTestContext ctx) {
    Future<HttpResponse<Buffer>> missing = get("/api/v1/chat/sessions", Map.of());
    Future<HttpResponse<Buffer>> blank = get("/api/v1/chat/sessions", Map.of("username", "  "));
    Future.all(missing, blank).onComplete(ctx.succeeding(v -> ctx.verify(() -> {
      assertEquals(400, missing.result().statusCode());
      assertEquals("Missing key: username", missing.result().bodyAsJsonObject().getString("message"));
      assertEquals(400, blank.result().statusCode());
      assertEquals("username is empty", blank.result().bodyAsJsonObject().getString("message"));
      ctx.completeNow();
    })));
  }

  @Test
  void platformFilterAndEmptyFilter(VertxTestContext ctx) {
    Future<HttpResponse<Buffer>> qq = get("/api/v1/chat/sessions", Map.of("username", USER, "platform_id", "qq_main"));
    Future<HttpResponse<Buffer>> empty = get("/api/v1/chat/sessions", Map.of("username", USER, "platform_id", ""));
    Future<HttpResponse<Buffer>> none = get("/api/v1/chat/sessions", Map.of("username", USER + "-nobody"));
    Future.all(qq, empty, none).onComplete(ctx.succeeding(v -> ctx.verify(() -> {
      JsonObject q = qq.result().bodyAsJsonObject().getJsonObject("data");
      assertEquals(5, q.getLong("total"));
      q.getJsonArray("sessions").forEach(o -> assertEquals("qq_main", ((JsonObject) o).getString("platform_id")));
      assertEquals(25, empty.result().bodyAsJsonObject().getJsonObject("data").getLong("total"));
      assertEquals(0, none.result().bodyAsJsonObject().getJsonObject("data").getLong("total"));
      ctx.completeNow();
    })));
  }

  @Test
  void contractIsServedAsIsWithoutKey(VertxTestContext ctx) throws Exception {
    byte[] shipped = Files.readAllBytes(Path.of("src/main/resources/openapi.json"));
    client.get(node.port(), "127.0.0.1", "/api/v1/openapi.json").send().onComplete(ctx.succeeding(resp -> ctx.verify(() -> {
      assertEquals(200, resp.statusCode());
      assertEquals(Buffer.buffer(shipped), resp.body());
      ctx.completeNow();
    })));
  }

  @Test
  void readinessReportsDatabaseAndVerticles(VertxTestContext ctx) {
    client.get(node.port(), "127.0.0.1", "/readyz").send().onComplete(ctx.succeeding(resp -> ctx.verify(() -> {
      assertEquals(200, resp.statusCode());
      JsonObject checks = resp.bodyAsJsonObject().getJsonObject("checks");
      assertEquals("UP", checks.getString("database"));
      assertEquals("UP", checks.getString("verticles"));
      ctx.completeNow();
    })));
  }

  @Test
  void nonAsciiIsEscapedLikeUpstream() {
    assertEquals("{\"a\":\"\\u4f60\\u597d \\ud83d\\ude00\"}", Responses.asciiJson(new JsonObject().put("a", "你好 😀").encode()));
  }
}
