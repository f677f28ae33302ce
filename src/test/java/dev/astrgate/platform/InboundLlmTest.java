package dev.astrgate.platform;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.astrgate.fakes.FakeOneBot;
import dev.astrgate.fakes.FakeOpenAi;
import dev.astrgate.fakes.FakeReply;
import dev.astrgate.fakes.FakeTelegram;
import dev.astrgate.support.TestNode;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** QQ and Telegram private messages run through the real chat pipeline and a (fake) LLM, and the answer goes back. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class InboundLlmTest {
  static final String QQ_TOKEN = "qq-" + System.nanoTime();
  static final String TG_TOKEN = "777:LLM-" + System.nanoTime();
  static final String TG = "tg-llm-" + System.nanoTime();
  private static Vertx vertx;
  private static FakeOpenAi llm;
  private static FakeTelegram telegram;
  private static TestNode node;

  @BeforeAll
  static void setUp() throws Exception {
    vertx = Vertx.vertx();
    llm = TestNode.await(FakeOpenAi.start(vertx));
    telegram = new FakeTelegram(vertx, TG_TOKEN);
    TestNode.await(telegram.start());
    JsonObject conf = dev.astrgate.chat.ChatStreamTestConf.conf(llm.baseUrl())
        .put("platform", new JsonArray()
            .add(new JsonObject().put("id", "qq").put("type", "aiocqhttp").put("enable", true).put("ws_reverse_token", QQ_TOKEN))
            .add(new JsonObject().put("id", TG).put("type", "telegram").put("enable", true).put("telegram_token", TG_TOKEN)
                .put("telegram_api_base_url", telegram.baseUrl()).put("telegram_polling_timeout", 2)));
    JsonObject routed = conf.copy().put("name", "Routed config");
    routed.getJsonArray("provider").getJsonObject(0).put("model", "routed-model");
    node = TestNode.start(Map.of(), conf, Map.of("routed", routed));
  }

  @AfterAll
  static void tearDown() {
    node.close();
    TestNode.await(telegram.close());
    TestNode.await(llm.close());
    TestNode.await(vertx.close());
  }

  private static List<Row> history(String platformId, String userId) {
    List<Row> out = new ArrayList<>();
    TestNode.await(node.pool().preparedQuery("SELECT sender_id, content FROM platform_message_history"
        + " WHERE platform_id = $1 AND user_id = $2 ORDER BY id").execute(Tuple.of(platformId, userId))).forEach(out::add);
    return out;
  }

  @Test
  void qqPrivateMessageGetsTheLlmAnswer() throws Exception {
    llm.nextReply(FakeReply.tokens("Hi ", "from ", "the LLM"));
    FakeOneBot bot = new FakeOneBot(vertx, "10001");
    TestNode.await(bot.connect(node.port(), "/platform/qq/ws", QQ_TOKEN));
    try {
      TestNode.await(bot.privateMessage(55501, FakeOneBot.text("what are you?")));
      JsonObject call = bot.nextCall(10);
      assertEquals("send_private_msg", call.getString("action"));
      assertEquals(55501L, call.getJsonObject("params").getLong("user_id"));
      assertEquals(FakeOneBot.text("Hi from the LLM"), call.getJsonObject("params").getJsonArray("message"));
      JsonArray sent = llm.lastRequest().body().getJsonArray("messages");
      assertEquals("what are you?", sent.getJsonObject(sent.size() - 1).getString("content"));
      List<Row> rows = history("qq", "55501");
      assertEquals(2, rows.size());
      assertEquals("55501", rows.get(0).getString("sender_id"));
      assertEquals("bot", rows.get(1).getString("sender_id"));
    } finally {
      TestNode.await(bot.close());
    }
  }

  @Test
  void configRoutesApplyToPlatformMessages() throws Exception {
    TestNode.await(new dev.astrgate.store.StoreClient(node.node().vertx())
        .chat(new dev.astrgate.store.ChatOps.SetRoute("qq:FriendMessage:556*", "routed")));
    FakeOneBot bot = new FakeOneBot(vertx, "10001");
    TestNode.await(bot.connect(node.port(), "/platform/qq/ws", QQ_TOKEN));
    try {
      llm.nextReply(FakeReply.tokens("routed answer"));
      TestNode.await(bot.privateMessage(55601, FakeOneBot.text("which model?")));
      assertEquals(FakeOneBot.text("routed answer"), bot.nextCall(10).getJsonObject("params").getJsonArray("message"));
      assertEquals("routed-model", llm.lastRequest().body().getString("model"));
      llm.nextReply(FakeReply.tokens("default answer"));
      TestNode.await(bot.privateMessage(55701, FakeOneBot.text("and here?")));
      assertEquals(FakeOneBot.text("default answer"), bot.nextCall(10).getJsonObject("params").getJsonArray("message"));
      assertEquals("gpt-test", llm.lastRequest().body().getString("model"));
    } finally {
      TestNode.await(new dev.astrgate.store.StoreClient(node.node().vertx())
          .chat(new dev.astrgate.store.ChatOps.SetRoute("qq:FriendMessage:556*", null)));
      TestNode.await(bot.close());
    }
  }

  @Test
  void telegramPrivateMessageGetsTheLlmAnswerWithContext() throws Exception {
    llm.nextReply(FakeReply.tokens("first answer"));
    telegram.enqueueText(8801, false, 8801, "remember 42");
    TelegramAdapterTest.waitFor(() -> sent("8801").size() >= 1, "first reply");
    assertEquals("first answer", sent("8801").get(0).params().getString("text"));
    llm.nextReply(FakeReply.tokens("it was 42"));
    telegram.enqueueText(8801, false, 8801, "what number?");
    TelegramAdapterTest.waitFor(() -> sent("8801").size() >= 2, "second reply");
    assertEquals("it was 42", sent("8801").get(1).params().getString("text"));
    // The second LLM request carries the first exchange: context is kept per UMO.
    JsonArray msgs = llm.lastRequest().body().getJsonArray("messages");
    assertTrue(msgs.encode().contains("remember 42") && msgs.encode().contains("first answer"), msgs.encode());
  }

  private static List<FakeTelegram.Sent> sent(String chatId) {
    return telegram.sent().stream().filter(s -> chatId.equals(String.valueOf(s.params().getValue("chat_id")))).toList();
  }
}
