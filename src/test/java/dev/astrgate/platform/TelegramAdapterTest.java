package dev.astrgate.platform;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.astrgate.fakes.FakeTelegram;
import dev.astrgate.fakes.TestChat;
import dev.astrgate.support.Http;
import dev.astrgate.support.TestNode;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.sqlclient.Tuple;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The Telegram adapter on one node against a fake Bot API: polling, replies, sends with uploads, errors, offsets. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class TelegramAdapterTest {
  static final String TOKEN = "123456:TEST-" + System.nanoTime();
  static final String ID = "tg-" + System.nanoTime();
  private static Vertx vertx;
  private static FakeTelegram telegram;
  private static TestNode node;
  private static TestChat chat;
  private static Http http;

  @BeforeAll
  static void setUp() throws Exception {
    vertx = Vertx.vertx();
    telegram = new FakeTelegram(vertx, TOKEN);
    TestNode.await(telegram.start());
    JsonObject conf = new JsonObject().put("platform", new JsonArray()
        .add(new JsonObject().put("id", ID).put("type", "telegram").put("enable", true)
            .put("telegram_token", TOKEN).put("telegram_api_base_url", telegram.baseUrl())
            .put("telegram_polling_timeout", 2)));
    // An adapter worker: no chat pipeline here, the test stands in for it on chat.inbound.
    node = TestNode.start(Map.of("ASTRGATE_ROLES", "api,platforms"), conf);
    // TestChat replaces the chat pipeline on purpose here: this class tests the adapter (decoding, wake rule,
    // ordering, replies, failures), and its assertions compare exact inbound JSON and instant or delayed echo
    // answers. The real pipeline behind an adapter-only node is AdapterWorkerTest's and InboundLlmTest's job.
    chat = new TestChat(node.node().vertx());
    chat.awaitRegistered();
    http = new Http(vertx, node.createKey("im", "file"));
    waitFor(() -> "polling".equals(node.node().platforms().states().getString(ID)), "poller active");
  }

  @AfterAll
  static void tearDown() {
    chat.close();
    http.close();
    node.close();
    TestNode.await(telegram.close());
    TestNode.await(vertx.close());
  }

  static void waitFor(Supplier<Boolean> cond, String what) {
    long deadline = System.currentTimeMillis() + 10_000;
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

  private static List<FakeTelegram.Sent> sentTo(String chatId) {
    return telegram.sent().stream().filter(s -> chatId.equals(String.valueOf(s.params().getValue("chat_id")))).toList();
  }

  @Test
  void privateMessageIsAnsweredAndTheOffsetIsStored() throws Exception {
    long updateId = telegram.enqueueText(4242, false, 4242, "hello tg");
    JsonObject in = chat.next(10);
    assertEquals(ID + ":FriendMessage:4242", in.getString("umo"));
    assertEquals("telegram", in.getString("platform_type"));
    assertEquals("hello tg", in.getString("text"));
    assertEquals(ID + ":" + updateId, in.getString("event_id"));
    waitFor(() -> !sentTo("4242").isEmpty(), "reply");
    FakeTelegram.Sent reply = sentTo("4242").get(0);
    assertEquals("sendMessage", reply.method());
    assertEquals("echo: hello tg", reply.params().getString("text"));
    waitFor(() -> {
      JsonObject v = TestNode.await(node.pool().preparedQuery("SELECT value FROM preferences WHERE scope = 'platform'"
          + " AND scope_id = $1 AND key = 'telegram_offset'").execute(Tuple.of(ID))).iterator().next().getJsonObject(0);
      return v.getLong("val") == updateId + 1 && v.getJsonArray("pending").isEmpty();
    }, "offset committed");
    waitFor(() -> telegram.pollOffsets().contains(updateId + 1), "acknowledged by the next poll");
  }

  @Test
  void groupMessagesNeedAMentionOrAPrefix() throws Exception {
    chat.clear();
    telegram.enqueueText(-100777, true, 1, "nobody called you");
    telegram.enqueueText(-100777, true, 2, "@" + FakeTelegram.BOT_USERNAME + " what time is it");
    JsonObject in = chat.next(10);
    assertEquals("what time is it", in.getString("text"));
    assertEquals(ID + ":GroupMessage:-100777", in.getString("umo"));
    telegram.enqueueText(-100777, true, 3, "/start");
    assertEquals("start", chat.next(10).getString("text"));
  }

  @Test
  void proactiveSendsUseSendMessageAndUploads() throws Exception {
    byte[] photo = {(byte) 0xff, (byte) 0xd8, 9, 8, 7};
    String att = http.upload(node.port(), "cat.jpg", "image/jpeg", photo);
    String doc = http.upload(node.port(), "notes.pdf", "application/pdf", new byte[] {'%', 'P', 'D', 'F'});
    HttpResponse<Buffer> r = http.imMessage(node.port(), new JsonObject().put("umo", ID + ":FriendMessage:9001")
        .put("message", new JsonArray()
            .add(new JsonObject().put("type", "plain").put("text", "look: "))
            .add(new JsonObject().put("type", "image").put("attachment_id", att))
            .add(new JsonObject().put("type", "file").put("attachment_id", doc))
            .add(new JsonObject().put("type", "plain").put("text", "bye"))));
    assertEquals(200, r.statusCode(), r.bodyAsString());
    List<FakeTelegram.Sent> sent = sentTo("9001");
    assertEquals(List.of("sendMessage", "sendPhoto", "sendDocument", "sendMessage"),
        sent.stream().map(FakeTelegram.Sent::method).toList());
    assertEquals("look: ", sent.get(0).params().getString("text"));
    assertArrayEquals(photo, sent.get(1).file().getBytes());
    assertEquals("cat.jpg", sent.get(1).filename());
    assertEquals("photo", sent.get(1).params().getString("_field"));
    assertEquals("notes.pdf", sent.get(2).filename());
    String voice = http.upload(node.port(), "v.ogg", "audio/ogg", new byte[] {1});
    assertEquals(200, http.imMessage(node.port(), new JsonObject().put("umo", ID + ":FriendMessage:9002")
        .put("message", new JsonArray().add(new JsonObject().put("type", "record").put("attachment_id", voice)))).statusCode());
    assertEquals("sendVoice", sentTo("9002").get(0).method());
  }

  @Test
  void telegramsDescriptionIsTheFailureText() {
    telegram.failChat("404404");
    HttpResponse<Buffer> r = http.imMessage(node.port(), new JsonObject().put("umo", ID + ":FriendMessage:404404")
        .put("message", "hi"));
    assertEquals(502, r.statusCode());
    assertEquals("Failed to send message: Bad Request: chat not found", r.bodyAsJsonObject().getString("message"));
    assertTrue(!r.bodyAsString().contains(TOKEN));
  }
}
