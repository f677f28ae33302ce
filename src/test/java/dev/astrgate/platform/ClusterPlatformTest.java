package dev.astrgate.platform;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.astrgate.fakes.FakeOneBot;
import dev.astrgate.fakes.FakeTelegram;
import dev.astrgate.fakes.TestChat;
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
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;

/**
 * Three gateway nodes, each its own JVM, clustered on loopback and sharing one PostgreSQL; this JVM joins the cluster
 * as the chat pipeline ({@code chat.inbound}), and runs the fake OneBot end and the fake Telegram Bot API.
 * The JVMs live for the whole class; the tests run in order and the later ones kill nodes.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class ClusterPlatformTest {
  static final String QQ_TOKEN = "qq-token-" + System.nanoTime();
  static final String TG_TOKEN = "555:CLUSTER-" + System.nanoTime();
  private static NodeProcesses cluster;
  private static Vertx member;
  private static Vertx vertx;
  private static NodeProcess n1;
  private static NodeProcess n2;
  private static NodeProcess n3;
  private static TestChat chat;
  private static FakeTelegram telegram;
  private static FakeOneBot bot;
  private static Http http;

  @BeforeAll
  static void setUp() throws Exception {
    vertx = Vertx.vertx();
    telegram = new FakeTelegram(vertx, TG_TOKEN);
    TestNode.await(telegram.start());
    TestNode.await(vertx.executeBlocking(() -> dev.astrgate.support.TestDatabase.url()));
    cluster = new NodeProcesses();
    member = cluster.joinAsMember();
    // TestChat replaces the chat pipeline on purpose here: this class tests ownership, failover and the offset
    // journal across three adapter JVMs, with exact echo answers and delayed ("slow") turns on demand. The real
    // pipeline on another node, with no stand-in, is AdapterWorkerTest's job.
    chat = new TestChat(member);
    chat.awaitRegistered();
    JsonObject conf = new JsonObject().put("platform", new JsonArray()
        .add(new JsonObject().put("id", "qq").put("type", "aiocqhttp").put("enable", true)
            .put("ws_reverse_token", QQ_TOKEN).put("api_timeout_seconds", 5))
        .add(new JsonObject().put("id", "tg").put("type", "telegram").put("enable", true)
            .put("telegram_token", TG_TOKEN).put("telegram_api_base_url", telegram.baseUrl())
            .put("telegram_polling_timeout", 2)));
    n1 = cluster.launch("node1", conf);
    n2 = cluster.launch("node2", conf);
    n3 = cluster.launch("node3", conf);
    cluster.awaitReady(4, 120_000, n1, n2, n3);
    http = new Http(vertx, cluster.key());
    bot = new FakeOneBot(vertx, "10001");
  }

  @AfterAll
  static void tearDown() {
    if (bot != null) {
      TestNode.await(bot.close());
    }
    if (chat != null) {
      chat.close();
    }
    if (cluster != null) {
      cluster.close();
    }
    if (telegram != null) {
      TestNode.await(telegram.close());
    }
    if (http != null) {
      http.close();
    }
    TestNode.await(vertx.close());
  }

  static void waitFor(Supplier<Boolean> cond, long timeoutMs, Supplier<String> what) throws InterruptedException {
    long deadline = System.currentTimeMillis() + timeoutMs;
    while (!cond.get()) {
      if (System.currentTimeMillis() > deadline) {
        throw new AssertionError("timed out waiting for " + what.get());
      }
      Thread.sleep(25);
    }
  }

  private static String platformState(NodeProcess n, String id) {
    JsonObject r = cluster.readyz(n);
    return r == null ? null : r.getJsonObject("platforms").getString(id);
  }

  private static JsonObject entry(String id) {
    return TestNode.await(member.sharedData().<String, JsonObject>getAsyncMap("astrgate.platform.connections")
        .compose(m -> m.get(id)));
  }

  private static void awaitOwner(NodeProcess n, String id) throws InterruptedException {
    waitFor(() -> "owner".equals(platformState(n, id)) && entry(id) != null && n.name.equals(entry(id).getString("node")),
        10_000, () -> id + " owned by " + n.name + ", entry " + entry(id));
  }

  private static HttpResponse<Buffer> send(NodeProcess via, String umo, Object message) {
    return http.imMessage(via.port, new JsonObject().put("umo", umo).put("message", message));
  }

  @Test
  @Order(1)
  void sendThroughAnotherNodeReachesTheOwnersConnection() throws Exception {
    TestNode.await(bot.connect(n1.port, "/platform/qq/ws", QQ_TOKEN));
    awaitOwner(n1, "qq");
    JsonObject e = entry("qq");
    assertNotNull(e.getString("connection_id"));
    assertTrue(e.getLong("epoch") >= 1);
    assertEquals(cluster.readyz(n1).getJsonObject("cluster").getString("node_id"), e.getString("node_id"));
    assertEquals("idle", platformState(n3, "qq"));

    HttpResponse<Buffer> r = send(n3, "qq:FriendMessage:12345", "hello from node3");
    assertEquals(200, r.statusCode(), r.bodyAsString());
    assertEquals("{\"status\":\"ok\",\"message\":null,\"data\":{}}", r.bodyAsString().strip());
    JsonObject call = bot.nextCall(5);
    assertEquals("send_private_msg", call.getString("action"));
    assertEquals(FakeOneBot.text("hello from node3"), call.getJsonObject("params").getJsonArray("message"));

    bot.responder(c -> FakeOneBot.failed(100, "bad group", null));
    r = send(n2, "qq:GroupMessage:999", "x");
    bot.answerOk();
    assertEquals(502, r.statusCode());
    assertEquals("Failed to send message: bad group (retcode 100)", r.bodyAsJsonObject().getString("message"));
    bot.clearCalls();
  }

  @Test
  @Order(2)
  void inboundQqMessageIsAnsweredThroughTheAdapter() throws Exception {
    chat.clear();
    TestNode.await(bot.privateMessage(777, FakeOneBot.text("what is up")));
    JsonObject in = chat.next(10);
    assertEquals("qq:FriendMessage:777", in.getString("umo"));
    JsonObject call = bot.nextCall(10);
    assertEquals("send_private_msg", call.getString("action"));
    assertEquals(FakeOneBot.text("echo: what is up"), call.getJsonObject("params").getJsonArray("message"));
  }

  @Test
  @Order(3)
  void lateTeardownOfTheOldConnectionNeverRemovesTheNewOne() throws Exception {
    JsonObject old = entry("qq");
    FakeOneBot fresh = new FakeOneBot(vertx, "10001");
    TestNode.await(fresh.connect(n2.port, "/platform/qq/ws", QQ_TOKEN));
    awaitOwner(n2, "qq");
    JsonObject now = entry("qq");
    assertTrue(now.getLong("epoch") > old.getLong("epoch"));
    waitFor(() -> "standby".equals(platformState(n1, "qq")), 5_000, () -> "node1 standby");
    // The old connection's teardown now runs late: compare-and-delete must leave the new entry alone.
    TestNode.await(bot.close());
    waitFor(() -> "idle".equals(platformState(n1, "qq")), 5_000, () -> "node1 idle");
    Thread.sleep(300);
    assertEquals(now, entry("qq"));
    HttpResponse<Buffer> r = send(n3, "qq:FriendMessage:1", "after the race");
    assertEquals(200, r.statusCode(), r.bodyAsString());
    assertEquals(FakeOneBot.text("after the race"), fresh.nextCall(5).getJsonObject("params").getJsonArray("message"));

    // Back to the starting shape for the next tests: the class's bot owns qq from node1.
    bot = new FakeOneBot(vertx, "10001");
    TestNode.await(bot.connect(n1.port, "/platform/qq/ws", QQ_TOKEN));
    awaitOwner(n1, "qq");
    TestNode.await(fresh.close());
    Thread.sleep(200);
    awaitOwner(n1, "qq");
  }

  @Test
  @Order(4)
  void exactlyOneNodePollsTelegramAndInboundGetsAnswered() throws Exception {
    waitFor(() -> pollers().size() == 1, 10_000, () -> "one poller, states " + pollers());
    long id = telegram.enqueueText(31337, false, 31337, "hi telegram");
    JsonObject in = chat.next(10);
    assertEquals("tg:FriendMessage:31337", in.getString("umo"));
    waitFor(() -> repliesTo("31337").size() == 1, 10_000, () -> "reply to 31337");
    assertEquals("echo: hi telegram", repliesTo("31337").get(0));
    HttpResponse<Buffer> r = send(nonPoller(), "tg:FriendMessage:31337", "proactive");
    assertEquals(200, r.statusCode(), r.bodyAsString());
    assertEquals(List.of("echo: hi telegram", "proactive"), repliesTo("31337"));
    assertEquals(1, telegram.maxInFlight(), "long polls in flight at once");
    assertTrue(id > 0);
  }

  @Test
  @Order(5)
  void ownerKilledThenProtocolEndReconnectsToAnotherNode() throws Exception {
    awaitOwner(n1, "qq");
    n1.kill();
    TestNode.await(bot.closedFuture());
    long t0 = System.nanoTime();
    // The load balancer sends the reconnect to node2.
    bot = new FakeOneBot(vertx, "10001");
    TestNode.await(bot.connect(n2.port, "/platform/qq/ws", QQ_TOKEN));
    awaitOwner(n2, "qq");
    HttpResponse<Buffer> r = send(n3, "qq:FriendMessage:4242", "after failover");
    assertEquals(200, r.statusCode(), r.bodyAsString());
    assertEquals(FakeOneBot.text("after failover"), bot.nextCall(5).getJsonObject("params").getJsonArray("message"));
    System.out.printf("onebot failover: send through node3 answered %d ms after node1 was killed%n",
        (System.nanoTime() - t0) / 1_000_000);
    cluster.awaitReady(3, 20_000, n2, n3);
  }

  @Test
  @Order(6)
  void pollerKilledAnotherTakesOverWithoutLossOrDuplicates() throws Exception {
    waitFor(() -> pollers().size() == 1, 15_000, () -> "one poller, states " + pollers());
    NodeProcess poller = pollers().get(0);
    NodeProcess survivor = poller == n2 ? n3 : n2;
    chat.delayMs = 1_500;
    chat.clear();
    telegram.enqueueText(5000, false, 5000, "slow question");
    JsonObject first = chat.next(10);
    assertEquals("slow question", first.getString("text"));
    // Killed while the pipeline is still thinking: the update is stored as pending, so the next poller redoes it.
    poller.kill();
    long killed = System.nanoTime();
    for (int i = 1; i <= 5; i++) {
      telegram.enqueueText(5000 + i, false, 5000 + i, "u" + i);
    }
    waitFor(() -> "polling".equals(platformState(survivor, "tg")), 20_000, () -> survivor.name + " polling");
    long takeoverMs = (System.nanoTime() - killed) / 1_000_000;
    System.out.printf("telegram failover: %s polling %d ms after %s was killed%n", survivor.name, takeoverMs, poller.name);
    waitFor(() -> repliesTo("5000").size() >= 1 && java.util.stream.IntStream.rangeClosed(1, 5)
        .allMatch(i -> repliesTo(Integer.toString(5000 + i)).size() >= 1), 15_000, () -> "all replies, got " + telegram.sent());
    Thread.sleep(1_000);
    assertEquals(List.of("echo: slow question"), repliesTo("5000"));
    for (int i = 1; i <= 5; i++) {
      assertEquals(List.of("echo: u" + i), repliesTo(Integer.toString(5000 + i)), "update u" + i);
    }
    Map<String, Long> seen = chat.all().stream().filter(m -> m.getString("umo").startsWith("tg:"))
        .collect(Collectors.groupingBy(m -> m.getString("text"), Collectors.counting()));
    for (int i = 1; i <= 5; i++) {
      assertEquals(1L, seen.get("u" + i), "u" + i + " reached the pipeline once");
    }
    assertEquals(1, telegram.maxInFlight(), "never two long polls at once");
    assertEquals("polling", platformState(survivor, "tg"));
  }

  private static List<NodeProcess> pollers() {
    return List.of(n1, n2, n3).stream().filter(NodeProcess::alive)
        .filter(n -> "polling".equals(platformState(n, "tg"))).toList();
  }

  private static NodeProcess nonPoller() {
    List<NodeProcess> p = pollers();
    return List.of(n1, n2, n3).stream().filter(NodeProcess::alive).filter(n -> !p.contains(n)).findFirst().orElseThrow();
  }

  private static List<String> repliesTo(String chatId) {
    Function<FakeTelegram.Sent, String> text = s -> s.params().getString("text");
    return telegram.sent().stream().filter(s -> chatId.equals(String.valueOf(s.params().getValue("chat_id"))))
        .map(text).toList();
  }
}
