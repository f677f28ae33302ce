package dev.astrgate.platform;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.astrgate.fakes.FakeOneBot;
import dev.astrgate.fakes.FakeOpenAi;
import dev.astrgate.fakes.FakeReply;
import dev.astrgate.fakes.FakeTelegram;
import dev.astrgate.support.Http;
import dev.astrgate.support.NodeProcesses;
import dev.astrgate.support.NodeProcesses.NodeProcess;
import dev.astrgate.support.TestNode;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;

/**
 * Adapter-only workers, as an operator runs them, with no stand-in for any product part: node A runs
 * {@code api,chat}, node B {@code api,platforms}, each its own JVM, on one PostgreSQL. The fake OneBot end dials B
 * and B polls the fake Telegram API; answers come from the real chat pipeline on A (fake LLM upstream) and go back
 * through B's adapters. Later a second chat node C joins and A is killed with {@code kill -9}.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class AdapterWorkerTest {
  static final String QQ_TOKEN = "qq-worker-" + System.nanoTime();
  static final String TG_TOKEN = "556:WORKER-" + System.nanoTime();
  /** Its own id: the Telegram offset journal lives in the shared test database, keyed by platform id. */
  static final String TG = "tg-worker-" + System.nanoTime();
  private static Vertx vertx;
  private static FakeOpenAi llm;
  private static FakeTelegram telegram;
  private static NodeProcesses cluster;
  private static JsonObject conf;
  private static NodeProcess a;
  private static NodeProcess b;
  private static FakeOneBot bot;
  private static Http http;

  @BeforeAll
  static void setUp() throws Exception {
    vertx = Vertx.vertx();
    llm = TestNode.await(FakeOpenAi.start(vertx));
    telegram = new FakeTelegram(vertx, TG_TOKEN);
    TestNode.await(telegram.start());
    TestNode.await(vertx.executeBlocking(() -> dev.astrgate.support.TestDatabase.url()));
    conf = dev.astrgate.chat.ChatStreamTestConf.conf(llm.baseUrl()).put("platform", new JsonArray()
        .add(new JsonObject().put("id", "qq").put("type", "aiocqhttp").put("enable", true)
            .put("ws_reverse_token", QQ_TOKEN).put("api_timeout_seconds", 5))
        .add(new JsonObject().put("id", TG).put("type", "telegram").put("enable", true)
            .put("telegram_token", TG_TOKEN).put("telegram_api_base_url", telegram.baseUrl())
            .put("telegram_polling_timeout", 2)));
    cluster = new NodeProcesses();
    a = cluster.launch("worker-a", conf, Map.of("ASTRGATE_ROLES", "api,chat"));
    b = cluster.launch("worker-b", conf, Map.of("ASTRGATE_ROLES", "api,platforms"));
    cluster.awaitReady(2, 120_000, a, b);
    http = new Http(vertx, cluster.key());
    bot = new FakeOneBot(vertx, "10001");
    TestNode.await(bot.connect(b.port, "/platform/qq/ws", QQ_TOKEN));
    waitFor(() -> "owner".equals(platformState(b, "qq")), 15_000, () -> "qq owned by B");
    waitFor(() -> "polling".equals(platformState(b, TG)), 15_000, () -> "tg polled by B");
  }

  @AfterAll
  static void tearDown() {
    if (bot != null) {
      TestNode.await(bot.close());
    }
    if (cluster != null) {
      cluster.close();
    }
    if (http != null) {
      http.close();
    }
    TestNode.await(telegram.close());
    TestNode.await(llm.close());
    TestNode.await(vertx.close());
  }

  private static void waitFor(Supplier<Boolean> cond, long timeoutMs, Supplier<String> what) throws InterruptedException {
    ClusterPlatformTest.waitFor(cond, timeoutMs, what);
  }

  private static String platformState(NodeProcess n, String id) {
    JsonObject r = cluster.readyz(n);
    return r == null || r.getJsonObject("platforms") == null ? null : r.getJsonObject("platforms").getString(id);
  }

  private static List<FakeTelegram.Sent> sentTo(String chatId) {
    return telegram.sent().stream().filter(s -> chatId.equals(String.valueOf(s.params().getValue("chat_id")))).toList();
  }

  private static String lastUserText() {
    JsonArray msgs = llm.lastRequest().body().getJsonArray("messages");
    return msgs.getJsonObject(msgs.size() - 1).getString("content");
  }

  @Test
  @Order(1)
  void nodeBRunsNoPipelineAndNodeARunsNoAdapter() {
    assertTrue(cluster.readyz(a).getJsonObject("platforms", new JsonObject()).isEmpty(), cluster.readyz(a).encode());
    HttpResponse<Buffer> r = TestNode.await(vertxClient().post(b.port, "127.0.0.1", "/api/v1/chat")
        .putHeader("X-API-Key", cluster.key()).sendJsonObject(new JsonObject().put("username", "u").put("message", "hi")));
    assertEquals(503, r.statusCode(), r.bodyAsString());
  }

  @Test
  @Order(2)
  void qqPrivateMessageIsAnsweredByTheLlmThroughNodeB() throws Exception {
    llm.nextReply(FakeReply.tokens("answer ", "from A"));
    TestNode.await(bot.privateMessage(61001, FakeOneBot.text("who answers?")));
    JsonObject call = bot.nextCall(20);
    assertEquals("send_private_msg", call.getString("action"));
    assertEquals(61001L, call.getJsonObject("params").getLong("user_id"));
    assertEquals(FakeOneBot.text("answer from A"), call.getJsonObject("params").getJsonArray("message"));
    assertEquals("who answers?", lastUserText());
  }

  @Test
  @Order(3)
  void telegramPrivateMessageIsAnsweredByTheLlmThroughNodeB() throws Exception {
    llm.nextReply(FakeReply.tokens("telegram ", "answer"));
    telegram.enqueueText(62001, false, 62001, "hello from telegram");
    waitFor(() -> sentTo("62001").size() >= 1, 20_000, () -> "telegram reply");
    assertEquals("telegram answer", sentTo("62001").get(0).params().getString("text"));
    assertEquals("hello from telegram", lastUserText());
  }

  @Test
  @Order(4)
  void proactiveSendToNodeAArrivesOnNodeBsConnections() throws Exception {
    bot.clearCalls();
    HttpResponse<Buffer> r = http.imMessage(a.port, new JsonObject().put("umo", "qq:FriendMessage:61002")
        .put("message", "proactive via A"));
    assertEquals(200, r.statusCode(), r.bodyAsString());
    JsonObject call = bot.nextCall(10);
    assertEquals("send_private_msg", call.getString("action"));
    assertEquals(FakeOneBot.text("proactive via A"), call.getJsonObject("params").getJsonArray("message"));

    r = http.imMessage(a.port, new JsonObject().put("umo", TG + ":FriendMessage:62002").put("message", "tg via A"));
    assertEquals(200, r.statusCode(), r.bodyAsString());
    assertEquals("tg via A", sentTo("62002").get(0).params().getString("text"));
  }

  @Test
  @Order(5)
  void aSlowChatHoldsUpNoOtherChat() throws Exception {
    int seen = llm.requests().size();
    // Each token comes 1.2 s after the last, under the test provider's 3 s idle timeout.
    llm.nextReply(FakeReply.tokens("slow ", "answer").delayMs(1200));
    llm.nextReply(FakeReply.tokens("quick answer"));
    bot.clearCalls();
    TestNode.await(bot.privateMessage(61101, FakeOneBot.text("think hard")));
    TestNode.await(llm.awaitRequest(seen));
    TestNode.await(bot.privateMessage(61102, FakeOneBot.text("quick one")));
    JsonObject first = bot.nextCall(20);
    assertEquals(61102L, first.getJsonObject("params").getLong("user_id"), first.encode());
    assertEquals(FakeOneBot.text("quick answer"), first.getJsonObject("params").getJsonArray("message"));
    JsonObject second = bot.nextCall(20);
    assertEquals(61101L, second.getJsonObject("params").getLong("user_id"), second.encode());
    assertEquals(FakeOneBot.text("slow answer"), second.getJsonObject("params").getJsonArray("message"));
  }

  @Test
  @Order(6)
  void afterKill9OfAChatNodeCAnswers() throws Exception {
    NodeProcess c = cluster.launch("worker-c", conf, Map.of("ASTRGATE_ROLES", "api,chat"));
    cluster.awaitReady(3, 120_000, a, b, c);
    int before = llm.requests().size();
    a.kill();
    long killed = System.nanoTime();
    cluster.awaitReady(2, 60_000, b, c);

    llm.nextReply(FakeReply.tokens("C is here"));
    TestNode.await(bot.privateMessage(61003, FakeOneBot.text("anyone left?")));
    JsonObject call = bot.nextCall(40);
    assertEquals(FakeOneBot.text("C is here"), call.getJsonObject("params").getJsonArray("message"));
    assertEquals("anyone left?", lastUserText());
    System.out.printf("adapter worker failover: answered through %s %d ms after kill -9 of %s%n", c.name,
        (System.nanoTime() - killed) / 1_000_000, a.name);

    llm.nextReply(FakeReply.tokens("C on telegram"));
    telegram.enqueueText(62003, false, 62003, "still there?");
    waitFor(() -> sentTo("62003").size() >= 1, 40_000, () -> "telegram reply after the kill");
    assertEquals("C on telegram", sentTo("62003").get(0).params().getString("text"));
    assertTrue(llm.requests().size() >= before + 2);
    // Nothing was given up for want of a pipeline.
    String metrics = http.get(b.port, "/metrics").bodyAsString();
    assertTrue(metrics.contains("astrgate_platform_inbound_dropped_total{node=\"worker-b\",platform=\"qq\"} 0.0"),
        metrics.lines().filter(l -> l.contains("inbound_dropped")).toList().toString());
  }

  private static io.vertx.ext.web.client.WebClient vertxClient() {
    return io.vertx.ext.web.client.WebClient.create(vertx);
  }
}
