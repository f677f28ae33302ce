package dev.astrgate.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.astrgate.support.RawHttp;
import dev.astrgate.support.TestNode;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Tuple;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Hostile input gets a precise 4xx envelope: limits and NUL, multipart framing, protocol-level refusals, strict JSON. */
class HostileInputTest {
  private static TestNode node;
  private static String key;

  @BeforeAll
  static void setUp() {
    node = TestNode.start(Map.of("ASTRGATE_BODY_TIMEOUT_MS", "1000", "ASTRGATE_UPLOAD_MAX_PARTS", "8"), TestNode.defaultConf());
    key = node.createKey();
  }

  @AfterAll
  static void tearDown() {
    node.close();
  }

  static RawHttp.Reply post(String path, String contentType, String body) {
    byte[] b = body.getBytes(StandardCharsets.UTF_8);
    String head = "POST " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nX-API-Key: " + key + "\r\nContent-Type: " + contentType
        + "\r\nContent-Length: " + b.length + "\r\nConnection: close\r\n\r\n";
    byte[] all = new byte[head.length() + b.length];
    System.arraycopy(head.getBytes(StandardCharsets.ISO_8859_1), 0, all, 0, head.length());
    System.arraycopy(b, 0, all, head.length(), b.length);
    return RawHttp.send(node.port(), all, 8000);
  }

  static RawHttp.Reply chat(JsonObject body) {
    return post("/api/v1/chat", "application/json", body.encode());
  }

  static RawHttp.Reply get(String target) {
    return RawHttp.request(node.port(), "GET", target, key);
  }

  static void refused(RawHttp.Reply r, int status, String message) {
    assertEquals(status, r.status(), r.toString());
    JsonObject env = r.json();
    assertEquals("error", env.getString("status"), r.toString());
    assertEquals(message, env.getString("message"), r.toString());
    assertTrue(env.containsKey("data") && env.getValue("data") == null, r.toString());
    assertTrue(env.getString("request_id") != null && !env.getString("request_id").isEmpty(), r.toString());
  }

  private static long count(String sql, Object... args) {
    return TestNode.await(node.pool().preparedQuery(sql).execute(Tuple.from(args))).iterator().next().getLong(0);
  }

  // ---- 2. limits and NUL

  @Test
  void nulInAnyTextFieldIs400AndNothingIsWritten() {
    long before = count("SELECT count(*) FROM platform_message_history");
    refused(chat(new JsonObject().put("username", "a\u0000b").put("message", "hi")), 400,
        "username must not contain NUL (\\u0000)");
    refused(chat(new JsonObject().put("username", "nul-user").put("session_id", "s\u0000").put("message", "hi")), 400,
        "session_id must not contain NUL (\\u0000)");
    refused(chat(new JsonObject().put("username", "nul-user").put("message", "h\u0000i")), 400,
        "message must not contain NUL (\\u0000)");
    refused(chat(new JsonObject().put("username", "nul-user").put("message",
        new io.vertx.core.json.JsonArray().add(new JsonObject().put("type", "plain").put("text", "\u0000")))), 400,
        "message[0].text must not contain NUL (\\u0000)");
    refused(post("/api/v1/im/message", "application/json",
        new JsonObject().put("umo", "webchat:FriendMessage:a\u0000").put("message", "x").encode()), 400,
        "umo must not contain NUL (\\u0000)");
    refused(get("/api/v1/chat/sessions?username=a%00b"), 400, "query parameter username must not contain NUL (\\u0000)");
    refused(get("/api/v1/chat/sessions?username=u&platform_id=%00"), 400,
        "query parameter platform_id must not contain NUL (\\u0000)");
    refused(get("/api/v1/file?attachment_id=%00"), 400, "query parameter attachment_id must not contain NUL (\\u0000)");
    refused(get("/api/v1/chat/sessions?username=%zz"), 400, "Malformed query string");
    assertEquals(before, count("SELECT count(*) FROM platform_message_history"));
  }

  @Test
  void overLongFieldsAre400WithTheLimit() {
    refused(chat(new JsonObject().put("username", "u".repeat(10_000)).put("message", "hi")), 400,
        "username is too long: 10000 characters, the limit is 255");
    refused(chat(new JsonObject().put("username", "long-user").put("session_id", "s".repeat(10_000)).put("message", "hi")), 400,
        "session_id is too long: 10000 characters, the limit is 100");
    refused(chat(new JsonObject().put("username", "long-user").put("conversation_id", "c".repeat(101)).put("message", "hi")), 400,
        "conversation_id is too long: 101 characters, the limit is 100");
    refused(chat(new JsonObject().put("username", "long-user").put("message", "m".repeat(100_001))), 400,
        "message text is too long: 100001 characters, the limit is 100000");
    refused(post("/api/v1/im/message", "application/json",
        new JsonObject().put("umo", "webchat:FriendMessage:" + "s".repeat(5_000)).put("message", "x").encode()), 400,
        "umo is too long: 5022 characters, the limit is 512");
    refused(post("/api/v1/im/message", "application/json",
        new JsonObject().put("umo", "webchat:FriendMessage:" + "s".repeat(101)).put("message", "x").encode()), 400,
        "session_id of umo is too long: 101 characters, the limit is 100");
    refused(get("/api/v1/chat/sessions?username=" + "u".repeat(256)), 400, "username is too long: 256 characters, the limit is 255");
    refused(get("/api/v1/chat/sessions?username=u&platform_id=" + "p".repeat(256)), 400,
        "platform_id is too long: 256 characters, the limit is 255");
    refused(get("/api/v1/file?attachment_id=" + "a".repeat(37)), 400, "attachment_id is too long: 37 characters, the limit is 36");
    // At the limit it is accepted (an unknown session of a valid length is simply new).
    assertEquals(200, get("/api/v1/chat/sessions?username=" + "u".repeat(255)).status());
  }

  // ---- 3. multipart

  private static final String B = "XyZzY";

  static RawHttp.Reply upload(String body) {
    return post("/api/v1/file", "multipart/form-data; boundary=" + B, body);
  }

  static String part(String headers, String content) {
    return "--" + B + "\r\n" + headers + "\r\n\r\n" + content + "\r\n";
  }

  @Test
  void malformedFormsAre400() {
    String end = "--" + B + "--\r\n";
    refused(upload(part("Content-Type: text/plain", "hello") + end), 400,
        "Malformed multipart body: a part without a Content-Disposition name");
    StringBuilder many = new StringBuilder();
    for (int i = 0; i < 300; i++) {
      many.append(part("Content-Disposition: form-data; name=\"f" + i + "\"", "v"));
    }
    refused(upload(many + end), 400, "Malformed multipart body: more than 8 parts");
    refused(upload(part("Content-Disposition: form-data; name=\"file\"; filename=\"a.txt\"\r\nX-Long: " + "a".repeat(20_000), "x")
        + end), 400, "Malformed multipart body: a part header or form field is over 8192 bytes");
    RawHttp.Reply open = upload(part("Content-Disposition: form-data; name=\"file\"; filename=\"a.txt\"", "hello"));
    refused(open, 400, "Malformed multipart body: it ended before its closing boundary");
    assertTrue(open.millis() < 6000, open.toString());
    // A well-formed form still works next to all that.
    RawHttp.Reply ok = upload(part("Content-Disposition: form-data; name=\"file\"; filename=\"a.txt\"\r\nContent-Type: text/plain", "hi") + end);
    assertEquals(200, ok.status(), ok.toString());
  }

  @Test
  void aBodyThatStopsArrivingIs408() {
    String head = "POST /api/v1/chat HTTP/1.1\r\nHost: x\r\nX-API-Key: " + key
        + "\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"username\":";
    RawHttp.Reply r = RawHttp.send(node.port(), head.getBytes(StandardCharsets.UTF_8), 8000);
    refused(r, 408, "Request body timed out: no data for 1000 ms");
    assertEquals("close", r.header("Connection"));
  }

  // ---- 4. protocol level

  @Test
  void theServersOwnRefusalsCarryTheEnvelope() {
    refused(raw("GET /healthz HTTP/1.1\r\n\r\n"), 400, "Bad request: the Host header is required");
    refused(raw("GARBAGE\r\n\r\n"), 400, "Bad request: text is empty (possibly HTTP/0.9)");
    refused(raw("GET /healthz HTTP/1.1\nHost: x\n\n"), 400,
        "Bad request: Line Feed must be preceded by Carriage Return when terminating HTTP start- and header field-lines");
    refused(raw("POST /api/v1/chat HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n{}"), 400,
        "Bad request: Multiple Content-Length values found: [2, 3]");
    refused(raw("POST /api/v1/chat HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n"), 400,
        "Bad request: Content-Length value is not a number: -1");
    refused(raw("GET /healthz HTTP/1.1\r\nHost: x\r\nBad Name: v\r\n\r\n"), 400,
        "Bad request: a header name cannot contain some prohibited characters, such as : Bad Name");
    refused(raw("GET /healthz HTTP/1.1\r\nHost: x\r\nBadHeader\r\n\r\n"), 400, "Bad request: No colon found");
    refused(raw("GET /healthz?" + "a".repeat(8192) + " HTTP/1.1\r\nHost: x\r\n\r\n"), 414,
        "Request line too long: the limit is 4096 bytes");
    refused(raw("GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + "a".repeat(65_536) + "\r\n\r\n"), 431,
        "Request headers too large: the limit is 8192 bytes in all");
    refused(raw("GET /healthz HTTP/1.1\r\nHost: x\r\n" + "X-Many-Headers: abcdef\r\n".repeat(1000) + "\r\n"), 431,
        "Request headers too large: the limit is 8192 bytes in all");
    refused(raw("GET /healthz HTTP/1.1\r\nHost: x\r\nX-API-Key: " + "k".repeat(10_000) + "\r\n\r\n"), 431,
        "Request headers too large: the limit is 8192 bytes in all");
  }

  @Test
  void http10ChatGets505AndNothingIsWritten() {
    long before = count("SELECT count(*) FROM platform_sessions WHERE creator = 'h10'");
    String body = "{\"username\":\"h10\",\"message\":\"x\"}";
    RawHttp.Reply r = raw("POST /api/v1/chat HTTP/1.0\r\nHost: x\r\nX-API-Key: " + key
        + "\r\nContent-Type: application/json\r\nContent-Length: " + body.length() + "\r\n\r\n" + body);
    refused(r, 505, "The chat stream needs HTTP/1.1; HTTP/1.0 cannot carry it (behind nginx: proxy_http_version 1.1)");
    assertEquals(before, count("SELECT count(*) FROM platform_sessions WHERE creator = 'h10'"));
    // Other endpoints still answer HTTP/1.0 clients.
    assertEquals(200, raw("GET /healthz HTTP/1.0\r\nHost: x\r\n\r\n").status());
  }

  @Test
  void aFailedUpgradeSaysWhy() {
    String base = "GET /platform/qq_main/ws HTTP/1.1\r\nHost: x\r\nX-Self-ID: 1\r\n";
    refused(raw(base + "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n\r\n"), 400,
        "WebSocket upgrade refused: Sec-WebSocket-Key must be 16 bytes in base64");
    refused(raw(base + "Upgrade: websocket\r\nConnection: keep-alive\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
        + "Sec-WebSocket-Version: 13\r\n\r\n"), 400, "WebSocket upgrade refused: the Connection header must include Upgrade");
    refused(raw(base + "Upgrade: h2c\r\nConnection: Upgrade\r\n\r\n"), 400, "WebSocket upgrade refused: the Upgrade header must be websocket");
    RawHttp.Reply v = raw(base + "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
        + "Sec-WebSocket-Version: 7\r\n\r\n");
    refused(v, 426, "WebSocket upgrade refused: Sec-WebSocket-Version must be 13");
    assertEquals("13", v.header("Sec-WebSocket-Version"));
  }

  private static RawHttp.Reply raw(String request) {
    return RawHttp.send(node.port(), request.getBytes(StandardCharsets.UTF_8), 8000);
  }

  // ---- 5. strict JSON

  @Test
  void jsonIsAsStrictAsPythons() {
    String ok = "{\"username\":\"strict\",\"message\":\"x\"}";
    refused(post("/api/v1/chat", "application/json", "{\"username\":\"strict\",/* c */\"message\":\"x\"}"), 400,
        "Malformed JSON body: Unexpected character ('/' (code 47)) at line 1 column 22");
    refused(post("/api/v1/chat", "application/json", "{'username':'strict','message':'x'}"), 400,
        "Malformed JSON body: Unexpected character (''' (code 39)): was expecting double-quote to start field name at line 1 column 2");
    refused(post("/api/v1/chat", "application/json", "{\"username\":\"strict\",\"message\":\"x\",}"), 400,
        "Malformed JSON body: Unexpected character ('}' (code 125)): was expecting double-quote to start field name at line 1 column 36");
    refused(post("/api/v1/chat", "application/json", ok + " {}"), 400,
        "Malformed JSON body: unexpected data after the JSON value at line 1 column 38");
    refused(post("/api/v1/chat", "application/json", "{\"username\":\"strict\",\"message\":\"x\",\"n\":NaN}"), 400,
        "Malformed JSON body: Non-standard token 'NaN' at line 1 column 43");
    refused(post("/api/v1/im/message", "application/json", "{\"umo\":\"webchat:FriendMessage:s\",/**/\"message\":\"x\"}"), 400,
        "Malformed JSON in request body");
    // Duplicate names keep the last value, as Python: the username here is the second one, so this key's check passes.
    RawHttp.Reply dup = post("/api/v1/chat", "application/json", "{\"username\":\"\",\"username\":\"strict\",\"message\":\"x\"}");
    assertEquals(200, dup.status(), dup.toString());
  }
}
