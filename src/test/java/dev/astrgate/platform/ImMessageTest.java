package dev.astrgate.platform;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.astrgate.fakes.FakeOneBot;
import dev.astrgate.support.Http;
import dev.astrgate.support.TestNode;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.util.Base64;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** POST /api/v1/im/message on one node: every check and message of ASTRBOT.md §8 in order, and sends through OneBot. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ImMessageTest {
  static final String TOKEN = "s3cret-token";
  private static Vertx vertx;
  private static TestNode node;
  private static Http http;
  private static FakeOneBot bot;

  @BeforeAll
  static void setUp() {
    vertx = Vertx.vertx();
    JsonObject conf = new JsonObject()
        .put("platform", new JsonArray()
            .add(new JsonObject().put("id", "qq").put("type", "aiocqhttp").put("enable", true)
                .put("ws_reverse_token", TOKEN).put("api_timeout_seconds", 1))
            .add(new JsonObject().put("id", "qq_idle").put("type", "aiocqhttp").put("enable", true))
            .add(new JsonObject().put("id", "tg_off").put("type", "telegram").put("enable", false)
                .put("telegram_token", "x")))
        .put("provider_settings", new JsonObject());
    node = TestNode.start(Map.of(), conf);
    http = new Http(vertx, node.createKey("im", "file"));
    bot = new FakeOneBot(vertx, "10001");
    TestNode.await(bot.connect(node.port(), "/platform/qq/ws", TOKEN));
    awaitRunning("qq");
  }

  @AfterAll
  static void tearDown() {
    TestNode.await(bot.close());
    http.close();
    node.close();
    TestNode.await(vertx.close());
  }

  /** Ownership is taken asynchronously after the handshake; wait until a probe send no longer says "not running". */
  static void awaitRunning(String platformId) {
    long deadline = System.currentTimeMillis() + 10_000;
    while (System.currentTimeMillis() < deadline) {
      if ("owner".equals(state(platformId))) {
        return;
      }
      sleep(20);
    }
    throw new AssertionError("platform " + platformId + " never became owner here: " + state(platformId));
  }

  static String state(String platformId) {
    return node.node().platforms().states().getString(platformId);
  }

  static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      throw new IllegalStateException(e);
    }
  }

  private static void assertError(HttpResponse<Buffer> r, int status, String message) {
    assertEquals(status, r.statusCode(), r.bodyAsString());
    JsonObject body = r.bodyAsJsonObject();
    assertEquals("error", body.getString("status"));
    assertEquals(message, body.getString("message"));
    assertNull(body.getValue("data"));
  }

  private static void assertOk(HttpResponse<Buffer> r) {
    assertEquals(200, r.statusCode(), r.bodyAsString());
    assertEquals(new JsonObject().put("status", "ok").put("message", null).put("data", new JsonObject()), r.bodyAsJsonObject());
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', textBlock = """
      message null                         | {"umo":"qq:FriendMessage:1","message":null}                 | 400 | Missing key: message
      message null beats missing umo       | {"message":null}                                            | 400 | Missing key: message
      umo missing                          | {"message":"hi"}                                            | 400 | Missing key: umo
      umo empty                            | {"umo":"","message":"hi"}                                   | 400 | Missing key: umo
      umo null                             | {"umo":null,"message":"hi"}                                 | 400 | Missing key: umo
      umo one part                         | {"umo":"broken-umo","message":"hi"}                         | 400 | Invalid umo: not enough values to unpack (expected 3, got 1)
      umo two parts                        | {"umo":"qq:FriendMessage","message":"hi"}                   | 400 | Invalid umo: not enough values to unpack (expected 3, got 2)
      umo bad type                         | {"umo":"qq:Foo:1","message":"hi"}                           | 400 | Invalid umo: 'Foo' is not a valid MessageType
      umo number                           | {"umo":5,"message":"hi"}                                    | 400 | Invalid umo: not enough values to unpack (expected 3, got 1)
      unknown platform                     | {"umo":"nope:FriendMessage:1","message":"hi"}               | 404 | Bot not found or not running for platform: nope
      disabled platform                    | {"umo":"tg_off:FriendMessage:1","message":"hi"}             | 404 | Bot not found or not running for platform: tg_off
      platform without connection          | {"umo":"qq_idle:GroupMessage:1","message":"hi"}             | 404 | Bot not found or not running for platform: qq_idle
      not running beats bad message        | {"umo":"nope:FriendMessage:1","message":5}                  | 404 | Bot not found or not running for platform: nope
      message missing                      | {"umo":"webchat:FriendMessage:s1"}                          | 400 | message must be a string or list
      message number                       | {"umo":"webchat:FriendMessage:s1","message":5}              | 400 | message must be a string or list
      message object                       | {"umo":"webchat:FriendMessage:s1","message":{"type":"plain"}} | 400 | message must be a string or list
      part not an object                   | {"umo":"webchat:FriendMessage:s1","message":["hi"]}         | 400 | message part must be an object
      reply without id                     | {"umo":"webchat:FriendMessage:s1","message":[{"type":"reply"}]} | 400 | reply part missing message_id
      unsupported type                     | {"umo":"webchat:FriendMessage:s1","message":[{"type":"sticker"}]} | 400 | unsupported message part type: sticker
      type missing                         | {"umo":"webchat:FriendMessage:s1","message":[{"text":"x"}]} | 400 | 'unsupported message part type: '
      image without attachment             | {"umo":"webchat:FriendMessage:s1","message":[{"type":"image"}]} | 400 | image part missing attachment_id
      record empty attachment              | {"umo":"webchat:FriendMessage:s1","message":[{"type":"record","attachment_id":""}]} | 400 | record part missing attachment_id
      unknown attachment                   | {"umo":"webchat:FriendMessage:s1","message":[{"type":"file","attachment_id":"nope"}]} | 400 | attachment not found: nope
      first error wins                     | {"umo":"webchat:FriendMessage:s1","message":[{"type":"video","attachment_id":"gone"},{"type":"x"}]} | 400 | attachment not found: gone
      blank string                         | {"umo":"webchat:FriendMessage:s1","message":"   "}          | 400 | Message content is empty (reply only is not allowed)
      empty list                           | {"umo":"webchat:FriendMessage:s1","message":[]}             | 400 | Message content is empty (reply only is not allowed)
      empty plain                          | {"umo":"webchat:FriendMessage:s1","message":[{"type":"plain","text":""}]} | 400 | Message content is empty (reply only is not allowed)
      reply only                           | {"umo":"webchat:FriendMessage:s1","message":[{"type":"reply","message_id":3}]} | 400 | Message content is empty (reply only is not allowed)
      bad message to running platform      | {"umo":"qq:FriendMessage:1","message":[{"type":"reply"}]}   | 400 | reply part missing message_id
      """)
  void checksInUpstreamOrder(String name, String body, int status, String message) {
    assertError(http.imMessage(node.port(), "application/json", body), status, message == null ? "" : message);
  }

  @Test
  void bodyShapes() {
    assertError(http.imMessage(node.port(), "text/plain", "{\"umo\":\"qq:FriendMessage:1\",\"message\":\"hi\"}"),
        400, "Missing key: umo");
    assertError(http.imMessage(node.port(), null, "{\"umo\":\"qq:FriendMessage:1\"}"), 400, "Missing key: umo");
    assertError(http.imMessage(node.port(), "application/json", "{\"umo\": "), 400, "Malformed JSON in request body");
    assertError(http.imMessage(node.port(), "application/json", ""), 400, "Malformed JSON in request body");
    assertError(http.imMessage(node.port(), "application/json", "[]"), 400, "Missing key: umo");
    assertError(http.imMessage(node.port(), "application/json", "null"), 400, "Missing key: umo");
    assertError(http.imMessage(node.port(), "application/json", "[1]"), 400, "Request body must be a JSON object");
    assertError(http.imMessage(node.port(), "application/json; charset=utf-8", "{\"message\":\"x\"}"), 400,
        "Missing key: umo");
  }

  @Test
  void privateTextArrivesAsSendPrivateMsg() throws Exception {
    bot.clearCalls();
    assertOk(http.imMessage(node.port(), new JsonObject().put("umo", "qq:FriendMessage:12345").put("message", "  hello  ")));
    JsonObject call = bot.nextCall(5);
    assertEquals("send_private_msg", call.getString("action"));
    assertEquals(12345L, call.getJsonObject("params").getLong("user_id"));
    assertEquals(FakeOneBot.text("hello"), call.getJsonObject("params").getJsonArray("message"));
    assertNotNull(call.getValue("echo"));
  }

  @Test
  void groupSendUsesPartAfterLastUnderscoreAndKeepsSegmentOrder() throws Exception {
    bot.clearCalls();
    byte[] png = {(byte) 0x89, 'P', 'N', 'G', 1, 2, 3};
    String att = http.upload(node.port(), "p.png", "image/png", png);
    JsonArray message = new JsonArray()
        .add(new JsonObject().put("type", "reply").put("message_id", 77))
        .add(new JsonObject().put("type", "plain").put("text", "look"))
        .add(new JsonObject().put("type", "image").put("attachment_id", att));
    assertOk(http.imMessage(node.port(), new JsonObject().put("umo", "qq:GroupMessage:555_98765").put("message", message)));
    JsonObject call = bot.nextCall(5);
    assertEquals("send_group_msg", call.getString("action"));
    assertEquals(98765L, call.getJsonObject("params").getLong("group_id"));
    JsonArray segs = call.getJsonObject("params").getJsonArray("message");
    assertEquals(new JsonObject().put("type", "reply").put("data", new JsonObject().put("id", "77")), segs.getJsonObject(0));
    assertEquals("look", segs.getJsonObject(1).getJsonObject("data").getString("text"));
    assertEquals("image", segs.getJsonObject(2).getString("type"));
    assertEquals("base64://" + Base64.getEncoder().encodeToString(png),
        segs.getJsonObject(2).getJsonObject("data").getString("file"));
  }

  @Test
  void attachmentTypeComesFromStorage() throws Exception {
    bot.clearCalls();
    String att = http.upload(node.port(), "v.ogg", "audio/ogg", new byte[] {1, 2});
    // Declared "image", stored as "record": upstream replaces the part's type with the attachment's.
    assertOk(http.imMessage(node.port(), new JsonObject().put("umo", "qq:FriendMessage:1")
        .put("message", new JsonArray().add(new JsonObject().put("type", "image").put("attachment_id", att)))));
    assertEquals("record", bot.nextCall(5).getJsonObject("params").getJsonArray("message").getJsonObject(0).getString("type"));
  }

  @Test
  void refusalCarriesTheProtocolEndsWords() throws Exception {
    bot.responder(call -> FakeOneBot.failed(1200, "SEND_MSG_API_ERROR", "群不存在"));
    try {
      assertError(http.imMessage(node.port(), new JsonObject().put("umo", "qq:GroupMessage:1").put("message", "x")),
          502, "Failed to send message: 群不存在 (retcode 1200)");
    } finally {
      bot.answerOk();
      bot.clearCalls();
    }
  }

  @Test
  void silenceTimesOutWithA502() throws Exception {
    bot.responder(call -> null);
    try {
      long t0 = System.nanoTime();
      assertError(http.imMessage(node.port(), new JsonObject().put("umo", "qq:FriendMessage:1").put("message", "x")),
          502, "Failed to send message: OneBot API send_private_msg timed out after 1000 ms");
      assertTrue((System.nanoTime() - t0) / 1_000_000 < 5_000);
    } finally {
      bot.answerOk();
      bot.clearCalls();
    }
  }

  @Test
  void webchatWithoutStreamIsStoredInHistory() {
    String sid = "sid-" + UUID.randomUUID();
    assertOk(http.imMessage(node.port(), new JsonObject().put("umo", "webchat:FriendMessage:webchat!alice!" + sid)
        .put("message", new JsonArray().add(new JsonObject().put("type", "plain").put("text", "ping"))
            .add(new JsonObject().put("type", "reply").put("message_id", "9")))));
    Row row = TestNode.await(node.pool().preparedQuery("SELECT platform_id, user_id, sender_id, sender_name, content"
        + " FROM platform_message_history WHERE user_id = $1").execute(Tuple.of(sid))).iterator().next();
    assertEquals("webchat", row.getString("platform_id"));
    assertEquals("bot", row.getString("sender_id"));
    assertEquals("bot", row.getString("sender_name"));
    assertEquals(new JsonObject().put("type", "bot").put("message", new JsonArray()
        .add(new JsonObject().put("type", "plain").put("text", "ping"))), row.getJsonObject("content"));
    // The upstream test's own probe: an unknown session is fine.
    assertOk(http.imMessage(node.port(), new JsonObject().put("umo", "webchat:FriendMessage:open_api_test_session")
        .put("message", "hello")));
  }

  @Test
  void lateTeardownOfAnOldConnectionKeepsTheNewOne() throws Exception {
    JsonObject old = awaitEntryOtherThan("qq", null, 1);
    FakeOneBot second = new FakeOneBot(vertx, "10001");
    TestNode.await(second.connect(node.port(), "/platform/qq/ws", TOKEN));
    try {
      JsonObject entry = awaitEntryOtherThan("qq", old.getString("connection_id"), old.getLong("epoch") + 1);
      // The old connection's teardown runs after the new one registered (#10154): the new one must stay.
      TestNode.await(bot.close());
      sleep(300);
      JsonObject after = TestNode.await(node.node().vertx().sharedData().<String, JsonObject>getAsyncMap(
          "astrgate.platform.connections").compose(m -> m.get("qq")));
      assertEquals(entry.getString("connection_id"), after.getString("connection_id"));
      second.clearCalls();
      assertOk(http.imMessage(node.port(), new JsonObject().put("umo", "qq:FriendMessage:42").put("message", "still here")));
      assertEquals("send_private_msg", second.nextCall(5).getString("action"));
    } finally {
      // Restore the shared fixture: the class's bot reconnects and becomes the owner again.
      JsonObject last = awaitEntryOtherThan("qq", null, 1);
      bot = new FakeOneBot(vertx, "10001");
      TestNode.await(bot.connect(node.port(), "/platform/qq/ws", TOKEN));
      awaitEntryOtherThan("qq", last.getString("connection_id"), last.getLong("epoch") + 1);
      TestNode.await(second.close());
      awaitRunning("qq");
    }
  }

  /** Waits for the registry entry to reach at least {@code minEpoch}. */
  private static JsonObject awaitEntryOtherThan(String id, String connectionId, long minEpoch) {
    long deadline = System.currentTimeMillis() + 10_000;
    JsonObject e = null;
    while (System.currentTimeMillis() < deadline) {
      e = TestNode.await(node.node().vertx().sharedData().<String, JsonObject>getAsyncMap("astrgate.platform.connections")
          .compose(m -> m.get(id)));
      if (e != null && e.getLong("epoch") >= minEpoch && !e.getString("connection_id").equals(connectionId)
          && "owner".equals(state(id))) {
        return e;
      }
      sleep(20);
    }
    throw new AssertionError("no new registry entry: " + e);
  }
}
