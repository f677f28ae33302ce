package dev.astrgate.platform.satori;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.astrgate.fakes.FakeOpenAi;
import dev.astrgate.fakes.FakeReply;
import dev.astrgate.fakes.FakeSatori;
import dev.astrgate.fakes.FakeSatori.Generation;
import dev.astrgate.fakes.FakeSatori.Login;
import dev.astrgate.fakes.RecordedRequest;
import dev.astrgate.support.Http;
import dev.astrgate.support.TestNode;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The Satori adapter on one node against two wire-level fake Satori servers, one per header generation, with the
 * real chat pipeline and a fake LLM: messages in and answers out, element round trips, proactive sends, a dropped
 * WebSocket resuming from the stored sn without a duplicate, heartbeats, refusals.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class SatoriAdapterTest {
  static final String TOKEN = "satori-token-" + System.nanoTime();
  static final String NEW = "sat-new-" + System.nanoTime();
  static final String OLD = "sat-old-" + System.nanoTime();
  static final String BAD = "sat-bad-" + System.nanoTime();
  private static Vertx vertx;
  private static FakeOpenAi llm;
  private static FakeSatori current;
  private static FakeSatori legacy;
  private static FakeSatori guarded;
  private static TestNode node;
  private static Http http;

  @BeforeAll
  static void setUp() {
    vertx = Vertx.vertx();
    llm = TestNode.await(FakeOpenAi.start(vertx));
    current = new FakeSatori(vertx, TOKEN, Generation.CURRENT,
        List.of(new Login("discord", "bot-1", "Astr"), new Login("qq", "bot-2", "Astr QQ")));
    legacy = new FakeSatori(vertx, null, Generation.LEGACY, List.of(new Login("kook", "k-1", "Old")));
    TestNode.await(current.start());
    TestNode.await(legacy.start());
    guarded = new FakeSatori(vertx, "the-right-token", Generation.CURRENT, List.of(new Login("lark", "l-1", "G")));
    TestNode.await(guarded.start());
    JsonObject conf = dev.astrgate.chat.ChatStreamTestConf.conf(llm.baseUrl()).put("platform", new JsonArray()
        .add(entry(NEW, current, TOKEN).put("satori_heartbeat_interval", 1).put("satori_reconnect_delay", 1))
        .add(entry(OLD, legacy, null).put("satori_reconnect_delay", 1))
        .add(entry(BAD, guarded, "a-wrong-token").put("satori_reconnect_delay", 1)));
    node = TestNode.start(Map.of(), conf);
    http = new Http(vertx, node.createKey("im", "file"));
    waitFor(() -> "owner".equals(node.node().platforms().states().getString(NEW))
        && "owner".equals(node.node().platforms().states().getString(OLD)), "both satori connections ready");
  }

  static JsonObject entry(String id, FakeSatori fake, String token) {
    JsonObject e = new JsonObject().put("id", id).put("type", "satori").put("enable", true)
        .put("satori_api_base_url", fake.apiBase()).put("satori_endpoint", fake.endpoint())
        .put("satori_auto_reconnect", true);
    if (token != null) {
      e.put("satori_token", token);
    }
    return e;
  }

  @AfterAll
  static void tearDown() {
    http.close();
    node.close();
    TestNode.await(current.close());
    TestNode.await(legacy.close());
    TestNode.await(guarded.close());
    TestNode.await(llm.close());
    TestNode.await(vertx.close());
  }

  static void waitFor(Supplier<Boolean> cond, String what) {
    long deadline = System.currentTimeMillis() + 15_000;
    while (!cond.get()) {
      if (System.currentTimeMillis() > deadline) {
        throw new AssertionError("timed out waiting for " + what);
      }
      try {
        Thread.sleep(20);
      } catch (InterruptedException e) {
        throw new IllegalStateException(e);
      }
    }
  }

  private static String lastUserText() {
    JsonArray msgs = llm.lastRequest().body().getJsonArray("messages");
    Object content = msgs.getJsonObject(msgs.size() - 1).getValue("content");
    return content instanceof String s ? s : String.valueOf(content);
  }

  private static List<Row> history(String platformId, String userId) {
    List<Row> out = new java.util.ArrayList<>();
    TestNode.await(node.pool().preparedQuery("SELECT sender_id, content FROM platform_message_history"
        + " WHERE platform_id = $1 AND user_id = $2 ORDER BY id").execute(Tuple.of(platformId, userId))).forEach(out::add);
    return out;
  }

  private static long storedSn(String platformId) {
    Row row = TestNode.await(node.pool().preparedQuery("SELECT value FROM preferences WHERE scope = 'platform'"
        + " AND scope_id = $1 AND key = 'satori_sn'").execute(Tuple.of(platformId))).iterator().next();
    return ((JsonObject) row.getValue(0)).getLong("sn");
  }

  @Test
  void privateMessageGetsTheLlmAnswerWithEscapedElements() throws Exception {
    String answer = "1 < 2 & \"quotes\" > 0";
    llm.nextReply(FakeReply.tokens("1 < 2 ", "& \"quotes\" ", "> 0"));
    current.message(0, "dm-100", null, "u-100", "alice", "what is &lt;b&gt; &amp; <b>bold</b>?");
    RecordedRequest sent = current.nextSend(15);
    assertNotNull(sent, "no reply reached the Satori server");
    assertEquals("what is <b> & bold?", lastUserText());
    assertEquals("dm-100", sent.body().getString("channel_id"));
    assertEquals("1 &lt; 2 &amp; \"quotes\" &gt; 0", sent.body().getString("content"));
    assertEquals(new JsonArray().add(new JsonObject().put("type", "plain").put("text", answer)),
        SatoriElements.decode(sent.body().getString("content")));
    assertEquals("Bearer " + TOKEN, sent.header("Authorization"));
    // Both header generations on every call; the reply goes out as the login the message came in on.
    assertEquals("discord", sent.header("Satori-Platform"));
    assertEquals("bot-1", sent.header("Satori-User-ID"));
    assertEquals("discord", sent.header("X-Platform"));
    assertEquals("bot-1", sent.header("X-Self-ID"));
    List<Row> rows = history(NEW, "dm-100");
    assertEquals(2, rows.size(), "user turn and bot turn in history");
    assertEquals("bot", rows.get(1).getString("sender_id"));
  }

  @Test
  void groupMessagesNeedAMentionAndRepliesUseTheirLogin() throws Exception {
    current.message(1, "ch-200", "guild-2", "u-200", "bob", "just chatting");
    llm.nextReply(FakeReply.tokens("you called?"));
    current.message(1, "ch-200", "guild-2", "u-200", "bob", "<at id=\"bot-2\" name=\"Astr QQ\"/> hello there");
    RecordedRequest sent = current.nextSend(15);
    assertNotNull(sent);
    assertEquals("ch-200", sent.body().getString("channel_id"));
    assertEquals("you called?", sent.body().getString("content"));
    assertEquals("qq", sent.header("Satori-Platform"));
    assertEquals("bot-2", sent.header("Satori-User-ID"));
    assertTrue(lastUserText().contains("hello there"), lastUserText());
    assertNull(current.nextSend(1), "the unmentioned group message got no answer");
    // The bot's own echoed message is not a user message.
    current.ownMessage(0, "dm-201", "my own words");
    assertNull(current.nextSend(1));
  }

  @Test
  void proactiveSendCarriesEveryElement() throws Exception {
    byte[] png = {(byte) 0x89, 'P', 'N', 'G', 7, 7};
    String att = http.upload(node.port(), "p.png", "image/png", png);
    JsonArray message = new JsonArray()
        .add(new JsonObject().put("type", "reply").put("message_id", "m-9"))
        .add(new JsonObject().put("type", "plain").put("text", "see <this> & that"))
        .add(new JsonObject().put("type", "image").put("attachment_id", att));
    HttpResponse<Buffer> r = http.imMessage(node.port(), new JsonObject()
        .put("umo", NEW + ":GroupMessage:ch-300").put("message", message));
    assertEquals(200, r.statusCode(), r.bodyAsString());
    RecordedRequest sent = current.nextSend(10);
    assertNotNull(sent);
    assertEquals("ch-300", sent.body().getString("channel_id"));
    String dataUrl = "data:image/png;base64," + Base64.getEncoder().encodeToString(png);
    assertEquals("<quote id=\"m-9\"/>see &lt;this&gt; &amp; that<img src=\"" + dataUrl + "\" title=\"p.png\"/>",
        sent.body().getString("content"));
    JsonArray back = SatoriElements.decode(sent.body().getString("content"));
    assertEquals(new JsonArray()
        .add(new JsonObject().put("type", "reply").put("message_id", "m-9").put("selected_text", ""))
        .add(new JsonObject().put("type", "plain").put("text", "see <this> & that"))
        .add(new JsonObject().put("type", "image").put("url", dataUrl).put("name", "p.png")), back);
    // With no message seen in that channel, the first login of READY sends (as AstrBot).
    assertEquals("discord", sent.header("Satori-Platform"));
  }

  @Test
  void aRefusedSendAnswersThePlatformsWords() {
    current.refuseSends(500, "channel ch-400 is gone");
    try {
      HttpResponse<Buffer> r = http.imMessage(node.port(), new JsonObject()
          .put("umo", NEW + ":FriendMessage:ch-400").put("message", "hi"));
      assertEquals(502, r.statusCode(), r.bodyAsString());
      assertEquals("Failed to send message: satori 500: channel ch-400 is gone",
          r.bodyAsJsonObject().getString("message"));
    } finally {
      current.refuseSends(0, null);
    }
  }

  @Test
  void legacyServerGetsTheOldHeadersAndOldShapes() throws Exception {
    llm.nextReply(FakeReply.tokens("old but gold"));
    legacy.message(0, "k-dm", null, "k-user", "carol", "ping <at id=\"k-1\"/>");
    RecordedRequest sent = legacy.nextSend(15);
    assertNotNull(sent, "the legacy server refused or got nothing");
    assertEquals("old but gold", sent.body().getString("content"));
    assertEquals("kook", sent.header("X-Platform"));
    assertEquals("k-1", sent.header("X-Self-ID"));
    assertNull(sent.header("Authorization"), "no token configured, no Authorization header");
    HttpResponse<Buffer> r = http.imMessage(node.port(), new JsonObject()
        .put("umo", OLD + ":FriendMessage:k-dm").put("message", "proactive"));
    assertEquals(200, r.statusCode(), r.bodyAsString());
    assertEquals("proactive", legacy.nextSend(10).body().getString("content"));
    // The event sequence of the older generation travels in the event's id.
    waitFor(() -> storedSn(OLD) >= 1, "legacy sn stored");
  }

  @Test
  void droppedSocketResumesFromTheLastSnWithoutDuplicates() throws Exception {
    llm.nextReply(FakeReply.tokens("first"));
    long first = current.message(0, "dm-500", null, "u-500", "dave", "one");
    assertEquals("first", current.nextSend(15).body().getString("content"));
    waitFor(() -> storedSn(NEW) >= first, "sn stored");
    while (current.nextIdentify(0) != null) {
      // earlier connections' IDENTIFYs
    }
    current.replayOverlap(true);
    try {
      int dialled = current.connections();
      current.dropConnections();
      waitFor(() -> !"owner".equals(node.node().platforms().states().getString(NEW)), "connection noticed as closed");
      // The old socket is gone on the server side too (unless the adapter already redialled).
      waitFor(() -> current.openSockets() == 0 || current.connections() > dialled, "the server side closed too");
      // Sent while no client is connected: only a resume can deliver it.
      long second = current.message(0, "dm-500", null, "u-500", "dave", "two");
      llm.nextReply(FakeReply.tokens("second"));
      JsonObject identify = current.nextIdentify(15);
      assertNotNull(identify, "no reconnect");
      assertEquals(TOKEN, identify.getString("token"));
      assertEquals(second - 1, identify.getLong("sn"), "resumes from the last event it saw");
      RecordedRequest reply = current.nextSend(15);
      assertNotNull(reply);
      assertEquals("second", reply.body().getString("content"));
      assertTrue(lastUserText().contains("two"), lastUserText());
      // The server replayed the identified event too; it was not handled again.
      assertNull(current.nextSend(2), "an event was answered twice");
      waitFor(() -> storedSn(NEW) == second, "sn after resume stored");
      assertEquals(4, history(NEW, "dm-500").size());
    } finally {
      current.replayOverlap(false);
    }
  }

  @Test
  void aWrongTokenIsRetriedWithBackOffAndSendsSayWhy() throws Exception {
    JsonObject identify = guarded.nextIdentify(15);
    assertNotNull(identify);
    assertEquals("a-wrong-token", identify.getString("token"));
    // Refused: the server closes, the adapter dials again after 1 s, then 2 s, never reaching READY.
    waitFor(() -> guarded.connections() >= 2, "a second attempt");
    assertEquals("connecting", node.node().platforms().states().getString(BAD));
    HttpResponse<Buffer> r = http.imMessage(node.port(), new JsonObject()
        .put("umo", BAD + ":FriendMessage:x").put("message", "hello"));
    assertEquals(502, r.statusCode(), r.bodyAsString());
    assertEquals("Failed to send message: satori server has not announced any login yet",
        r.bodyAsJsonObject().getString("message"));
    assertTrue(guarded.requests().isEmpty(), "nothing was sent without a login");
  }

  @Test
  void garbageFramesAreIgnoredAndTheConnectionGoesOn() throws Exception {
    int connections = current.connections();
    for (String junk : List.of("not json", "[1,2]", "{\"op\":\"zero\"}", "{\"op\":0}", "{\"op\":0,\"body\":[]}",
        "{\"op\":0,\"body\":{\"type\":\"message-created\"}}",
        "{\"op\":0,\"body\":{\"sn\":\"x\",\"type\":\"message-created\",\"message\":7,\"channel\":\"c\"}}",
        "{\"op\":4,\"body\":{\"logins\":\"none\"}}", "{\"op\":99}")) {
      current.raw(junk);
    }
    llm.nextReply(FakeReply.tokens("still here"));
    current.message(0, "dm-600", null, "u-600", "erin", "<unknown>hi</unknown>");
    RecordedRequest sent = current.nextSend(15);
    assertNotNull(sent, "the adapter stopped answering after garbage");
    assertEquals("still here", sent.body().getString("content"));
    assertEquals(connections, current.connections(), "garbage did not cost the connection");
  }

  @Test
  void heartbeatsFlowAndASilentServerIsLeft() throws Exception {
    int before = current.pings();
    waitFor(() -> current.pings() >= before + 2, "two PINGs at the 1 s interval");
    int connections = current.connections();
    current.answerPings(false);
    try {
      // Three unanswered heartbeats later the adapter gives up on the socket and dials again.
      waitFor(() -> current.connections() > connections, "reconnect after silence");
    } finally {
      current.answerPings(true);
    }
    waitFor(() -> "owner".equals(node.node().platforms().states().getString(NEW)), "ready again");
  }
}
