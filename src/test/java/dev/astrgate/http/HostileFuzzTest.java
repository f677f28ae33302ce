package dev.astrgate.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.astrgate.support.RawHttp;
import dev.astrgate.support.TestNode;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * 600 generated hostile requests (seeds 8000..8599, so any failure names the seed that reproduces it) over every
 * endpoint, method, key carrier, body and framing. No answer may be a 5xx, HTML, or missing; afterwards the node is
 * healthy and the data written before the barrage is intact.
 */
class HostileFuzzTest {
  private static final int FIRST_SEED = 8000;
  private static final int REQUESTS = 600;
  private static final String[] PATHS = {"/api/v1/chat", "/api/v1/chat/sessions", "/api/v1/configs", "/api/v1/file",
      "/api/v1/im/message", "/api/v1/im/bots", "/api/v1/openapi.json", "/healthz", "/readyz", "/metrics",
      "/platform/qq_main/ws", "/api/v1/chat/ws", "/api/v1", "/api", "/nope"};
  private static final String[] METHODS = {"GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "HEAD"};

  private static TestNode node;
  private static String key;
  private static String imOnly;
  private static String sessionId;
  private static String attachmentId;

  @BeforeAll
  static void setUp() {
    node = TestNode.start(Map.of("ASTRGATE_BODY_TIMEOUT_MS", "500"), TestNode.defaultConf());
    key = node.createKey();
    imOnly = node.createKey("im");
    RawHttp.Reply chat = post("/api/v1/chat",
        "application/json", new JsonObject().put("username", "fuzz-seed").put("session_id", "fuzz-seed-session")
            .put("message", "before the barrage").encode().getBytes(StandardCharsets.UTF_8));
    assertEquals(200, chat.status(), chat.toString());
    sessionId = "fuzz-seed-session";
    String b = "SeedBoundary";
    String form = "--" + b + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"seed.txt\"\r\nContent-Type: text/plain\r\n\r\n"
        + "seed bytes\r\n--" + b + "--\r\n";
    RawHttp.Reply up = post("/api/v1/file", "multipart/form-data; boundary=" + b, form.getBytes(StandardCharsets.UTF_8));
    attachmentId = up.json().getJsonObject("data").getString("attachment_id");
  }

  @AfterAll
  static void tearDown() {
    node.close();
  }

  @Test
  void aBarrageOfHostileRequestsGetsOnlyPrecise4xxAndLeavesTheNodeIntact() throws Exception {
    ExecutorService workers = Executors.newFixedThreadPool(4);
    List<Future<String>> results = new ArrayList<>();
    for (int i = 0; i < REQUESTS; i++) {
      int seed = FIRST_SEED + i;
      results.add(workers.submit(() -> check(seed)));
    }
    List<String> failures = new ArrayList<>();
    for (Future<String> f : results) {
      String problem = f.get();
      if (problem != null) {
        failures.add(problem);
      }
    }
    workers.shutdown();
    assertEquals(List.of(), failures, failures.size() + " of " + REQUESTS + " hostile requests broke the rules");

    assertEquals(200, RawHttp.request(node.port(), "GET", "/healthz", null).status());
    assertEquals(200, RawHttp.request(node.port(), "GET", "/readyz", null).status());
    RawHttp.Reply sessions = RawHttp.request(node.port(), "GET", "/api/v1/chat/sessions?username=fuzz-seed", key);
    assertEquals(200, sessions.status(), sessions.toString());
    JsonArray list = sessions.json().getJsonObject("data").getJsonArray("sessions");
    assertTrue(list.stream().anyMatch(s -> sessionId.equals(((JsonObject) s).getString("session_id"))), sessions.toString());
    RawHttp.Reply down = RawHttp.request(node.port(), "GET", "/api/v1/file?attachment_id=" + attachmentId, key);
    assertEquals("seed bytes", down.body());
    assertEquals(1, TestNode.await(node.pool().query("SELECT count(*) FROM platform_message_history WHERE user_id = '"
        + sessionId + "' AND content::text LIKE '%before the barrage%'").execute()).iterator().next().getLong(0));
    RawHttp.Reply after = post("/api/v1/chat", "application/json",
        new JsonObject().put("username", "fuzz-seed").put("session_id", sessionId).put("message", "after").encode()
            .getBytes(StandardCharsets.UTF_8));
    assertEquals(200, after.status(), after.toString());
  }

  /** One request from {@code seed}; null when its answer keeps the rules, else what went wrong and how to replay it. */
  private static String check(int seed) {
    Random rnd = new Random(seed);
    String method = pick(rnd, METHODS);
    String path = pick(rnd, PATHS);
    if (rnd.nextInt(4) == 0) {
      List<String> v = PathScopeTest.variants(path.equals("/api/v1") ? "/api/v1/x" : path);
      path = v.get(rnd.nextInt(v.size()));
    }
    boolean http10 = rnd.nextInt(12) == 0;
    String query = query(rnd);
    StringBuilder head = new StringBuilder();
    head.append(method).append(' ').append(path).append(query).append(http10 ? " HTTP/1.0" : " HTTP/1.1").append("\r\n");
    head.append("Host: 127.0.0.1\r\n");
    carrier(rnd, head);
    for (int h = rnd.nextInt(3); h > 0; h--) {
      head.append(pick(rnd, new String[] {"X-Request-Id", "Accept", "User-Agent", "Origin", "X-Forwarded-For", "Cookie"}))
          .append(": ").append(headerValue(rnd)).append("\r\n");
    }
    byte[] body = new byte[0];
    String type = null;
    if (!method.equals("GET") && !method.equals("HEAD") || rnd.nextInt(5) == 0) {
      int kind = rnd.nextInt(4);
      if (kind == 0 || path.contains("file") && kind < 3) {
        type = "multipart/form-data; boundary=" + (rnd.nextBoolean() ? "Bnd" : "Other");
        body = multipart(rnd);
      } else {
        type = pick(rnd, new String[] {"application/json", "application/json; charset=utf-8", "text/plain",
            "application/x-www-form-urlencoded", "application/vnd.api+json"});
        body = json(rnd, path);
      }
    }
    if (type != null && rnd.nextInt(10) > 0) {
      head.append("Content-Type: ").append(type).append("\r\n");
    }
    int framing = rnd.nextInt(20);
    if (framing == 0 && !http10) {
      head.append("Transfer-Encoding: chunked\r\n");
      ByteArrayOutputStream chunked = new ByteArrayOutputStream();
      if (body.length > 0) {
        chunked.writeBytes((Integer.toHexString(body.length) + "\r\n").getBytes(StandardCharsets.US_ASCII));
        chunked.writeBytes(body);
        chunked.writeBytes("\r\n".getBytes(StandardCharsets.US_ASCII));
      }
      chunked.writeBytes("0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
      body = chunked.toByteArray();
    } else if (framing == 1) {
      // Announces more than it sends: the body timeout must answer.
      head.append("Content-Length: ").append(body.length + 10).append("\r\n");
    } else {
      head.append("Content-Length: ").append(body.length).append("\r\n");
    }
    head.append("Connection: close\r\n\r\n");
    ByteArrayOutputStream all = new ByteArrayOutputStream();
    all.writeBytes(head.toString().getBytes(StandardCharsets.UTF_8));
    all.writeBytes(body);
    String replay = "seed " + seed + ": " + method + " " + path + query.substring(0, Math.min(query.length(), 80))
        + (http10 ? " HTTP/1.0" : "") + " type=" + type;
    RawHttp.Reply r = RawHttp.send(node.port(), all.toByteArray(), 5000);
    if (r.status() == 0 || r.timedOut() && r.header("Content-Length") == null && !"text/event-stream".equals(r.header("Content-Type"))) {
      return replay + " got no answer within 5 s: " + r;
    }
    if (r.status() >= 500 && !(r.status() == 505 && http10 && path.equals("/api/v1/chat"))) {
      return replay + " got " + r;
    }
    String ct = String.valueOf(r.header("Content-Type"));
    boolean page = path.equals("/") || path.startsWith("/docs");
    if (ct.contains("html") && !page) {
      return replay + " got HTML: " + r;
    }
    if (r.status() >= 400 && !method.equals("HEAD")) {
      try {
        JsonObject env = r.json();
        if (!"error".equals(env.getString("status")) || env.getString("message") == null || !env.containsKey("request_id")) {
          return replay + " got a refusal without the envelope: " + r;
        }
      } catch (RuntimeException e) {
        return replay + " got a refusal that is not JSON: " + r;
      }
    }
    return null;
  }

  private static String query(Random rnd) {
    if (rnd.nextInt(3) == 0) {
      return "";
    }
    StringBuilder q = new StringBuilder("?");
    for (int i = rnd.nextInt(3) + 1; i > 0; i--) {
      q.append(pick(rnd, new String[] {"username", "attachment_id", "platform_id", "page", "page_size", "api_key", "x"}))
          .append('=').append(pick(rnd, new String[] {"u", "%00", "%zz", "%E2%82", "a".repeat(300), "-1", "99999999999",
              "fuzz-seed", attachmentId, "%2F..%2F", "'%20OR%201=1--", "%F0%9F%98%80", ""}))
          .append('&');
    }
    return q.toString();
  }

  private static void carrier(Random rnd, StringBuilder head) {
    String k = switch (rnd.nextInt(6)) {
      case 0, 1 -> key;
      case 2 -> imOnly;
      case 3 -> "abk_" + "x".repeat(rnd.nextInt(60));
      case 4 -> "\u00e9\u00e8 ";
      default -> null;
    };
    if (k == null) {
      return;
    }
    switch (rnd.nextInt(3)) {
      case 0 -> head.append("X-API-Key: ").append(k).append("\r\n");
      case 1 -> head.append("Authorization: Bearer ").append(k).append("\r\n");
      default -> head.append("Authorization: ApiKey ").append(k).append("\r\n");
    }
  }

  private static String headerValue(Random rnd) {
    return pick(rnd, new String[] {"x", "a".repeat(2000), "\u00ff\u00fe", "null", "text/html", "../../etc/passwd",
        "<script>alert(1)</script>", "1.2.3.4, 5.6.7.8"});
  }

  private static Object hostileValue(Random rnd, int depth) {
    return switch (rnd.nextInt(14)) {
      case 0 -> "a\u0000b";
      case 1 -> "x".repeat(10_000);
      case 2 -> rnd.nextInt();
      case 3 -> null;
      case 4 -> true;
      case 5 -> 1e308;
      case 6 -> depth > 3 ? "deep" : new JsonArray().add(hostileValue(rnd, depth + 1)).add(hostileValue(rnd, depth + 1));
      case 7 -> depth > 3 ? "deep" : new JsonObject().put("type", pick(rnd, new String[] {"plain", "image", "reply", "file", "at", "??"}))
          .put("text", hostileValue(rnd, depth + 1)).put("attachment_id", hostileValue(rnd, depth + 1));
      case 8 -> "\ud83d\ude00 \u202e rtl";
      case 9 -> "webchat:FriendMessage:" + "s".repeat(rnd.nextInt(600));
      case 10 -> "qq_main:GroupMessage:123";
      case 11 -> "";
      case 12 -> " ";
      default -> "fuzz-" + rnd.nextInt(1000);
    };
  }

  private static byte[] json(Random rnd, String path) {
    JsonObject o = new JsonObject();
    for (String field : new String[] {"username", "session_id", "conversation_id", "message", "umo", "config_id",
        "config_name", "selected_provider", "enable_streaming", "files"}) {
      if (rnd.nextInt(3) > 0) {
        o.put(field, hostileValue(rnd, 0));
      }
    }
    if (rnd.nextBoolean()) {
      o.put("username", "fuzz-" + rnd.nextInt(20)).put("message", rnd.nextBoolean() ? "hello" : hostileValue(rnd, 0));
    }
    String text = o.encode();
    return switch (rnd.nextInt(10)) {
      case 0 -> text.substring(0, text.length() / 2).getBytes(StandardCharsets.UTF_8);
      case 1 -> ("/* c */" + text).getBytes(StandardCharsets.UTF_8);
      case 2 -> text.replace('"', '\'').getBytes(StandardCharsets.UTF_8);
      case 3 -> (text.substring(0, text.length() - 1) + ",}").getBytes(StandardCharsets.UTF_8);
      case 4 -> new byte[] {'{', '"', 'u', '"', ':', '"', (byte) 0xC3, (byte) 0x28, '"', '}'};
      case 5 -> "[1,2,3]".getBytes(StandardCharsets.UTF_8);
      case 6 -> "{\"n\": NaN, \"username\": \"u\"}".getBytes(StandardCharsets.UTF_8);
      case 7 -> "[".repeat(5000).getBytes(StandardCharsets.UTF_8);
      default -> text.getBytes(StandardCharsets.UTF_8);
    };
  }

  private static byte[] multipart(Random rnd) {
    StringBuilder sb = new StringBuilder();
    int parts = rnd.nextInt(4) == 0 ? 40 : rnd.nextInt(3) + 1;
    for (int i = 0; i < parts; i++) {
      sb.append("--Bnd\r\n");
      switch (rnd.nextInt(5)) {
        case 0 -> sb.append("Content-Type: text/plain\r\n");
        case 1 -> sb.append("Content-Disposition: form-data; name=\"file\"; filename=\"").append(pick(rnd,
            new String[] {"../../x", "a\u0000b.txt", "", "\u00e9.png", "x".repeat(300)})).append("\"\r\nContent-Type: ")
            .append(pick(rnd, new String[] {"image/png", "", "text/html", "x".repeat(300)})).append("\r\n");
        case 2 -> sb.append("Content-Disposition: form-data; name=\"file\"; filename=\"f.txt\"\r\nX-Long: ")
            .append("h".repeat(rnd.nextBoolean() ? 20_000 : 10)).append("\r\n");
        case 3 -> sb.append("Content-Disposition: form-data; name=\"field").append(i).append("\"\r\n");
        default -> sb.append("Content-Disposition: garbage\r\n");
      }
      sb.append("\r\n").append("content-").append(i).append("\r\n");
    }
    if (rnd.nextInt(4) > 0) {
      sb.append("--Bnd--\r\n");
    }
    return sb.toString().getBytes(StandardCharsets.UTF_8);
  }

  private static String pick(Random rnd, String[] options) {
    return options[rnd.nextInt(options.length)];
  }

  private static RawHttp.Reply post(String path, String type, byte[] body) {
    String head = "POST " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nX-API-Key: " + key + "\r\nContent-Type: " + type
        + "\r\nContent-Length: " + body.length + "\r\nConnection: close\r\n\r\n";
    ByteArrayOutputStream all = new ByteArrayOutputStream();
    all.writeBytes(head.getBytes(StandardCharsets.ISO_8859_1));
    all.writeBytes(body);
    return RawHttp.send(node.port(), all.toByteArray(), 10_000);
  }
}
