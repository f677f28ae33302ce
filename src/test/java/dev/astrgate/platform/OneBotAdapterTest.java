package dev.astrgate.platform;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.astrgate.fakes.FakeOneBot;
import dev.astrgate.fakes.TestChat;
import dev.astrgate.support.Http;
import dev.astrgate.support.TestNode;
import io.vertx.core.Vertx;
import io.vertx.core.http.UpgradeRejectedException;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The OneBot v11 adapter on one node: handshake checks, inbound messages and the wake rule, heartbeats, its own port. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class OneBotAdapterTest {
  static final String TOKEN = "tok-" + System.nanoTime();
  private static Vertx vertx;
  private static TestNode node;
  private static TestChat chat;
  private static int extraPort;
  private static Http http;
  /** Held in a field: Vert.x 5 closes a client (and its connections) once it is unreachable. */
  private static io.vertx.core.http.WebSocketClient wsClient;

  @BeforeAll
  static void setUp() throws Exception {
    vertx = Vertx.vertx();
    extraPort = TestNode.freePort();
    JsonObject conf = new JsonObject()
        .put("platform", new JsonArray()
            .add(new JsonObject().put("id", "qq").put("type", "aiocqhttp").put("enable", true).put("ws_reverse_token", TOKEN))
            .add(new JsonObject().put("id", "qq_port").put("type", "aiocqhttp").put("enable", true)
                .put("ws_reverse_host", "127.0.0.1").put("ws_reverse_port", extraPort)))
        .put("platform_settings", new JsonObject().put("wake_prefix", new JsonArray().add("/").add("!")));
    // An adapter worker: no chat pipeline here, the test stands in for it on chat.inbound.
    node = TestNode.start(Map.of("ASTRGATE_ROLES", "api,platforms"), conf);
    // TestChat replaces the chat pipeline on purpose here: this class tests the adapter (decoding, wake rule,
    // ordering, replies, failures), and its assertions compare exact inbound JSON and instant or delayed echo
    // answers. The real pipeline behind an adapter-only node is AdapterWorkerTest's and InboundLlmTest's job.
    chat = new TestChat(node.node().vertx());
    chat.awaitRegistered();
    http = new Http(vertx, node.createKey("im"));
    wsClient = vertx.createWebSocketClient();
  }

  @AfterAll
  static void tearDown() {
    chat.close();
    http.close();
    node.close();
    TestNode.await(vertx.close());
  }

  private int rejected(WebSocketConnectOptions o) {
    Throwable err = TestNode.await(wsClient.connect(o).transform(ar ->
        io.vertx.core.Future.succeededFuture(ar.cause())));
    assertInstanceOf(UpgradeRejectedException.class, err, String.valueOf(err));
    return ((UpgradeRejectedException) err).getStatus();
  }

  private WebSocketConnectOptions dial(String uri) {
    return new WebSocketConnectOptions().setHost("127.0.0.1").setPort(node.port()).setURI(uri).addHeader("X-Self-ID", "10001");
  }

  @Test
  void handshakeChecksTokenRoleAndSelfId() {
    assertEquals(401, rejected(dial("/platform/qq/ws").addHeader("X-Client-Role", "Universal")));
    assertEquals(403, rejected(dial("/platform/qq/ws").addHeader("Authorization", "Bearer wrong")));
    assertEquals(403, rejected(dial("/platform/qq/ws?access_token=" + TOKEN + "x")));
    assertEquals(403, rejected(dial("/platform/qq/ws").addHeader("Authorization", "Bearer " + TOKEN.substring(1))));
    assertEquals(400, rejected(dial("/platform/qq/ws").addHeader("Authorization", "Bearer " + TOKEN)
        .addHeader("X-Client-Role", "API")));
    assertEquals(400, rejected(new WebSocketConnectOptions().setHost("127.0.0.1").setPort(node.port())
        .setURI("/platform/qq/ws").addHeader("Authorization", "Bearer " + TOKEN)));
    assertEquals(404, rejected(dial("/platform/nope/ws")));
    // Accepted: Token scheme, query parameter, absent role.
    for (WebSocketConnectOptions ok : new WebSocketConnectOptions[] {
        dial("/platform/qq/ws").addHeader("Authorization", "Token " + TOKEN),
        dial("/platform/qq/ws?access_token=" + TOKEN)}) {
      var ws = TestNode.await(wsClient.connect(ok));
      assertFalse(ws.isClosed());
      TestNode.await(ws.close());
    }
    // Compression offered by the protocol end is declined: deflating each small frame costs more than the frame.
    var offered = TestNode.await(wsClient.connect(dial("/platform/qq/ws?access_token=" + TOKEN)
        .addHeader("Sec-WebSocket-Extensions", "permessage-deflate; client_max_window_bits")));
    assertEquals(null, offered.headers().get("Sec-WebSocket-Extensions"), "no extension accepted");
    TestNode.await(offered.close());
  }

  @Test
  void privateMessageGetsTheBotsAnswer() throws Exception {
    FakeOneBot bot = new FakeOneBot(vertx, "10001");
    TestNode.await(bot.connect(node.port(), "/platform/qq/ws", TOKEN));
    try {
      chat.clear();
      TestNode.await(bot.privateMessage(12345, FakeOneBot.text("hi there")));
      JsonObject in = chat.next(5);
      assertEquals("qq:FriendMessage:12345", in.getString("umo"));
      assertEquals("qq", in.getString("platform_id"));
      assertEquals("aiocqhttp", in.getString("platform_type"));
      assertEquals("12345", in.getString("session_id"));
      assertEquals("hi there", in.getString("text"));
      assertEquals("12345", in.getJsonObject("sender").getString("user_id"));
      assertEquals("10001", in.getString("self_id"));
      JsonObject call = bot.nextCall(5);
      assertEquals("send_private_msg", call.getString("action"));
      assertEquals(12345L, call.getJsonObject("params").getLong("user_id"));
      assertEquals(FakeOneBot.text("echo: hi there"), call.getJsonObject("params").getJsonArray("message"));
    } finally {
      TestNode.await(bot.close());
    }
  }

  @Test
  void groupMessagesNeedAMentionOrAWakePrefix() throws Exception {
    FakeOneBot bot = new FakeOneBot(vertx, "10001");
    TestNode.await(bot.connect(node.port(), "/platform/qq/ws", TOKEN));
    try {
      chat.clear();
      TestNode.await(bot.groupMessage(777, 1, FakeOneBot.text("just chatting")));
      TestNode.await(bot.groupMessage(777, 2, "[CQ:at,qq=99999] not for us"));
      TestNode.await(bot.groupMessage(777, 3, "[CQ:at,qq=10001] hello &#91;x&#93; &amp; y"));
      JsonObject first = chat.next(5);
      // Events are handled in order on one connection: the two before were dropped.
      assertEquals("hello [x] & y", first.getString("text"));
      assertEquals("qq:GroupMessage:777", first.getString("umo"));
      assertTrue(first.getBoolean("mentioned"));
      assertEquals("777", first.getString("group_id"));
      JsonObject call = bot.nextCall(5);
      assertEquals("send_group_msg", call.getString("action"));
      assertEquals(777L, call.getJsonObject("params").getLong("group_id"));

      JsonArray prefixed = FakeOneBot.text("!weather today");
      TestNode.await(bot.groupMessage(777, 4, prefixed));
      JsonObject second = chat.next(5);
      assertEquals("weather today", second.getString("text"));
      assertFalse(second.getBoolean("mentioned"));
    } finally {
      TestNode.await(bot.close());
    }
  }

  @Test
  void silentConnectionIsClosedAfterThreeMissedHeartbeats() throws Exception {
    FakeOneBot bot = new FakeOneBot(vertx, "10001");
    TestNode.await(bot.connect(node.port(), "/platform/qq/ws", TOKEN));
    TestNode.await(bot.heartbeat(100));
    long t0 = System.nanoTime();
    TestNode.await(bot.closedFuture());
    long ms = (System.nanoTime() - t0) / 1_000_000;
    assertTrue(ms >= 250 && ms < 3_000, "closed after " + ms + " ms");
  }

  @Test
  void ownPortAcceptsTheProtocolEnd() throws Exception {
    FakeOneBot bot = new FakeOneBot(vertx, "20002");
    TestNode.await(bot.connect(extraPort, "/ws", null));
    try {
      long deadline = System.currentTimeMillis() + 10_000;
      while (!"owner".equals(node.node().platforms().states().getString("qq_port"))) {
        assertTrue(System.currentTimeMillis() < deadline, "qq_port never connected");
        Thread.sleep(20);
      }
      var r = http.imMessage(node.port(), new JsonObject().put("umo", "qq_port:FriendMessage:5").put("message", "via port"));
      assertEquals(200, r.statusCode(), r.bodyAsString());
      assertEquals(FakeOneBot.text("via port"), bot.nextCall(5).getJsonObject("params").getJsonArray("message"));
    } finally {
      TestNode.await(bot.close());
    }
  }
}
