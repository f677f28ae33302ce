package dev.astrgate.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.astrgate.support.FaultProxy;
import dev.astrgate.support.RawHttp;
import dev.astrgate.support.TestDatabase;
import dev.astrgate.support.TestNode;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * A real TCP proxy between the node and PostgreSQL, failing in four ways (refused, black hole, 5 s per packet, and
 * the server refusing connections with ALLOW_CONNECTIONS false): every storage-backed endpoint answers 503 with the
 * envelope within the bound, /healthz stays 200 and /readyz turns 503; after healing everything works without a
 * restart, and no row is lost or written twice.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DatabaseFaultTest {
  private static final int BOUND_MS = 1000;
  /** The bound plus what a loaded 2-core machine adds to a request around it. */
  private static final long ANSWER_WITHIN_MS = BOUND_MS + 2500;
  private static final String DB = "astrgate_fault";
  private static final String UNAVAILABLE = "Storage unavailable, please retry shortly";

  private static Vertx vertx;
  private static Pool direct;
  private static Pool admin;
  private static FaultProxy proxy;
  private static TestNode node;
  private static String key;
  private static String sessionId;
  private static String attachmentId;
  private static long seededHistory;
  private static final List<String> faultTexts = new ArrayList<>();
  private static final List<String> healedTexts = new ArrayList<>();
  private static final ExecutorService pool = Executors.newFixedThreadPool(12);

  @BeforeAll
  static void setUp() {
    vertx = Vertx.vertx();
    PgConnectOptions shared = PgConnectOptions.fromUri(TestDatabase.url());
    admin = StoreVerticle.createPool(vertx, shared, 1, "fault-admin", 10_000);
    TestNode.await(admin.query("DROP DATABASE IF EXISTS " + DB).execute());
    TestNode.await(admin.query("CREATE DATABASE " + DB).execute());
    direct = StoreVerticle.createPool(vertx, new PgConnectOptions(shared).setDatabase(DB), 2, "fault-direct", 10_000);
    proxy = new FaultProxy("127.0.0.1", shared.getPort(), 5000);
    node = TestNode.start(Map.of(
        "ASTRGATE_DATABASE_URL", "postgresql://postgres@127.0.0.1:" + proxy.port() + "/" + DB,
        "ASTRGATE_DB_TIMEOUT_MS", Integer.toString(BOUND_MS)), TestNode.defaultConf());
    key = node.createKey();
    // Rows written before any fault: a session with a user turn, and an attachment.
    RawHttp.Reply first = chat(key, null, "seed turn");
    assertEquals(200, first.status(), first.toString());
    sessionId = sessionOf(first);
    attachmentId = upload(key).json().getJsonObject("data").getString("attachment_id");
    seededHistory = count("SELECT count(*) FROM platform_message_history");
    assertTrue(seededHistory >= 1);
  }

  @AfterAll
  static void tearDown() {
    if (proxy != null) {
      proxy.mode(FaultProxy.Mode.PASS);
    }
    if (node != null) {
      node.close();
    }
    if (proxy != null) {
      proxy.close();
    }
    if (direct != null) {
      TestNode.await(direct.close());
    }
    if (admin != null) {
      TestNode.await(admin.close());
    }
    pool.shutdownNow();
    vertx.close();
  }

  @Test
  @Order(1)
  void refusedConnections() {
    round("refuse", () -> proxy.mode(FaultProxy.Mode.REFUSE), () -> proxy.mode(FaultProxy.Mode.PASS));
  }

  @Test
  @Order(2)
  void blackHole() {
    round("black_hole", () -> proxy.mode(FaultProxy.Mode.BLACK_HOLE), () -> proxy.mode(FaultProxy.Mode.PASS));
  }

  @Test
  @Order(3)
  void fiveSecondsPerPacket() {
    round("slow", () -> proxy.mode(FaultProxy.Mode.SLOW), () -> proxy.mode(FaultProxy.Mode.PASS));
  }

  @Test
  @Order(4)
  void serverNotAcceptingConnections() {
    round("allow_connections", () -> {
      TestNode.await(admin.query("ALTER DATABASE " + DB + " ALLOW_CONNECTIONS false").execute());
      TestNode.await(admin.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '" + DB
          + "'").execute());
    }, () -> TestNode.await(admin.query("ALTER DATABASE " + DB + " ALLOW_CONNECTIONS true").execute()));
  }

  @Test
  @Order(5)
  void nothingLostNothingDoubled() {
    assertEquals(1, count("SELECT count(*) FROM platform_message_history WHERE content::text LIKE '%seed turn%'"));
    assertEquals(1, count("SELECT count(*) FROM attachments WHERE attachment_id = '" + attachmentId + "'"));
    assertEquals(1, count("SELECT count(*) FROM platform_sessions WHERE session_id = '" + sessionId + "'"));
    for (String t : faultTexts) {
      long n = count("SELECT count(*) FROM platform_message_history WHERE content::text LIKE '%" + t + "%'");
      assertTrue(n <= 1, t + " saved " + n + " times");
    }
    for (String t : healedTexts) {
      assertEquals(1, count("SELECT count(*) FROM platform_message_history WHERE content::text LIKE '%" + t + "%'"), t);
    }
  }

  private void round(String name, Runnable breakIt, Runnable heal) {
    String fresh = node.createKey();
    // The key listener empties the key cache when it (re)subscribes (notices may have been missed): wait for it
    // to be back from the previous round, then warm the key, so "a warm key needs no database" is what is tested.
    long until = System.currentTimeMillis() + 15_000;
    while (count("SELECT count(*) FROM pg_stat_activity WHERE datname = '" + DB + "' AND query ILIKE 'LISTEN%'") == 0
        && System.currentTimeMillis() < until) {
      sleep(100);
    }
    sleep(300);
    assertEquals(200, get(key, "/api/v1/im/bots").status());
    breakIt.run();
    try {
      Map<String, Supplier<RawHttp.Reply>> storage = new LinkedHashMap<>();
      storage.put("chat/sessions", () -> get(key, "/api/v1/chat/sessions?username=fault"));
      storage.put("chat new session", () -> chat(key, null, remember(faultTexts, name + "-new")));
      storage.put("chat existing session", () -> chat(key, sessionId, remember(faultTexts, name + "-existing")));
      storage.put("file upload", () -> upload(key));
      storage.put("file download", () -> get(key, "/api/v1/file?attachment_id=" + attachmentId));
      storage.put("im/message webchat", () -> imMessage(key, remember(faultTexts, name + "-push")));
      storage.put("uncached key", () -> get(fresh, "/api/v1/configs"));
      Map<String, CompletableFuture<RawHttp.Reply>> running = new LinkedHashMap<>();
      storage.forEach((what, call) -> running.put(what, CompletableFuture.supplyAsync(call, pool)));
      CompletableFuture<RawHttp.Reply> ready = CompletableFuture.supplyAsync(() -> get(null, "/readyz"), pool);
      for (var e : running.entrySet()) {
        RawHttp.Reply r = e.getValue().join();
        String where = name + " " + e.getKey() + ": " + r;
        assertTrue(r.millis() <= ANSWER_WITHIN_MS, where);
        if (e.getKey().startsWith("chat") && r.status() == 200) {
          // A chat opens its stream before its first write, so one racing the first failures of an outage is a
          // stream that says so and ends; once the outage is known it is a 503 (checked below).
          assertTrue(r.body().contains("storage unavailable") && r.body().contains("\"type\": \"end\""), where);
          continue;
        }
        assertEquals(503, r.status(), where);
        assertEquals(UNAVAILABLE, r.json().getString("message"), where);
        assertEquals("error", r.json().getString("status"), where);
        assertTrue(r.millis() <= ANSWER_WITHIN_MS, where);
      }
      RawHttp.Reply readyz = ready.join();
      assertEquals(503, readyz.status(), name + " " + readyz);
      assertEquals("DOWN", readyz.json().getJsonObject("checks").getString("database"));
      assertTrue(readyz.millis() <= ANSWER_WITHIN_MS, name + " readyz " + readyz);
      assertEquals(200, get(null, "/healthz").status());
      // Once the node has seen the outage, a chat is refused before its stream opens: the 503 envelope, not a stream.
      RawHttp.Reply known = chat(key, null, remember(faultTexts, name + "-known"));
      assertEquals(503, known.status(), name + " chat during a known outage: " + known);
      assertEquals(UNAVAILABLE, known.json().getString("message"), name);
      assertTrue(known.millis() <= ANSWER_WITHIN_MS, name + " chat during a known outage: " + known);
      // Config-only endpoints need no database with a warm key.
      assertEquals(200, get(key, "/api/v1/im/bots").status());
    } finally {
      heal.run();
    }
    RawHttp.Reply back = null;
    long deadline = System.currentTimeMillis() + 30_000;
    while (System.currentTimeMillis() < deadline) {
      back = get(key, "/api/v1/chat/sessions?username=fault");
      if (back.status() == 200 && get(null, "/readyz").status() == 200) {
        break;
      }
      sleep(250);
    }
    assertEquals(200, back.status(), name + " did not heal: " + back);
    assertEquals(200, get(null, "/readyz").status(), name);
    RawHttp.Reply newChat = chat(key, null, remember(healedTexts, name + "-healed-new"));
    assertEquals(200, newChat.status(), name + " " + newChat);
    assertEquals(200, chat(key, sessionId, remember(healedTexts, name + "-healed-existing")).status(), name);
    RawHttp.Reply up = upload(key);
    assertEquals(200, up.status(), name + " " + up);
    RawHttp.Reply down = get(key, "/api/v1/file?attachment_id=" + up.json().getJsonObject("data").getString("attachment_id"));
    assertEquals(200, down.status(), name);
    assertEquals("fault test bytes", down.body());
    assertEquals(200, imMessage(key, remember(healedTexts, name + "-healed-push")).status(), name);
    assertEquals(200, get(fresh, "/api/v1/configs").status(), name + " uncached key after healing");
  }

  private static String remember(List<String> list, String text) {
    String t = "fault-text-" + text;
    synchronized (list) {
      list.add(t);
    }
    return t;
  }

  private static RawHttp.Reply get(String k, String target) {
    return RawHttp.request(node.port(), "GET", target, k);
  }

  private static RawHttp.Reply chat(String k, String session, String text) {
    JsonObject body = new JsonObject().put("username", "fault").put("message", text);
    if (session != null) {
      body.put("session_id", session);
    }
    return post(k, "/api/v1/chat", "application/json", body.encode().getBytes(StandardCharsets.UTF_8));
  }

  private static RawHttp.Reply imMessage(String k, String text) {
    JsonObject body = new JsonObject().put("umo", "webchat:FriendMessage:" + sessionId).put("message", text);
    return post(k, "/api/v1/im/message", "application/json", body.encode().getBytes(StandardCharsets.UTF_8));
  }

  private static RawHttp.Reply upload(String k) {
    String b = "FaUlTbOuNdArY";
    String form = "--" + b + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"f.txt\"\r\nContent-Type: text/plain\r\n\r\n"
        + "fault test bytes\r\n--" + b + "--\r\n";
    return post(k, "/api/v1/file", "multipart/form-data; boundary=" + b, form.getBytes(StandardCharsets.UTF_8));
  }

  private static RawHttp.Reply post(String k, String path, String type, byte[] body) {
    String head = "POST " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nX-API-Key: " + k + "\r\nContent-Type: " + type
        + "\r\nContent-Length: " + body.length + "\r\nConnection: close\r\n\r\n";
    byte[] all = new byte[head.length() + body.length];
    System.arraycopy(head.getBytes(StandardCharsets.ISO_8859_1), 0, all, 0, head.length());
    System.arraycopy(body, 0, all, head.length(), body.length);
    return RawHttp.send(node.port(), all, 15_000);
  }

  /** The session id the first SSE event names. */
  private static String sessionOf(RawHttp.Reply sse) {
    for (String line : sse.body().split("\n")) {
      int at = line.indexOf("{");
      if (line.contains("session_id") && at >= 0) {
        JsonObject ev = new JsonObject(line.substring(at));
        Object data = ev.getValue("data");
        if (data instanceof JsonObject d && d.getString("session_id") != null) {
          return d.getString("session_id");
        }
        if (ev.getString("session_id") != null) {
          return ev.getString("session_id");
        }
      }
    }
    throw new AssertionError("no session id in " + sse.body());
  }

  private static long count(String sql) {
    return TestNode.await(direct.query(sql).execute()).iterator().next().getLong(0);
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

}
