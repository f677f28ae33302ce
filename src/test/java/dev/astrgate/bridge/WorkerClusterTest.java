package dev.astrgate.bridge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.astrgate.auth.KeyMaterial;
import dev.astrgate.fakes.FakeOpenAi;
import dev.astrgate.fakes.FakeReply;
import dev.astrgate.store.KeyRepository;
import dev.astrgate.store.StoreVerticle;
import dev.astrgate.support.BridgeClient;
import dev.astrgate.support.Http;
import dev.astrgate.support.NodeProcesses;
import dev.astrgate.support.NodeProcesses.NodeProcess;
import dev.astrgate.support.TestDatabase;
import dev.astrgate.support.TestNode;
import dev.astrgate.support.WorkerProcess;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;

/**
 * Two gateway nodes, each its own JVM with the chat pipeline, clustered on loopback on one PostgreSQL, each with the
 * TCP bridge open; a real Node worker and a real Python worker on the repo's reference clients; a fake LLM. The
 * JVMs and workers live for the whole class; the tests run in order and the last one kills node A.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class WorkerClusterTest {
  static final String NODE_PLATFORM = "nodew";
  static final String PY_PLATFORM = "pyw";
  private static Vertx vertx;
  private static FakeOpenAi llm;
  private static NodeProcesses cluster;
  private static NodeProcess a;
  private static NodeProcess b;
  private static int bridgeA;
  private static int bridgeB;
  private static String platformKey;
  private static String chatOnlyKey;
  private static Http http;
  private static WorkerProcess nodeWorker;
  private static WorkerProcess pyWorker;
  private static final List<WorkerProcess> extras = new ArrayList<>();

  @BeforeAll
  static void setUp() throws Exception {
    vertx = Vertx.vertx();
    llm = TestNode.await(FakeOpenAi.start(vertx));
    llm.script(FakeReply.tokens("Hi ", "from ", "the LLM"));
    TestNode.await(vertx.executeBlocking(TestDatabase::url));
    cluster = new NodeProcesses();
    JsonObject conf = dev.astrgate.chat.ChatStreamTestConf.conf(llm.baseUrl()).put("platform", new JsonArray()
        .add(new JsonObject().put("id", NODE_PLATFORM).put("type", "worker").put("enable", true))
        .add(new JsonObject().put("id", PY_PLATFORM).put("type", "worker").put("enable", true)));
    bridgeA = TestNode.freePort();
    bridgeB = TestNode.freePort();
    a = cluster.launch("nodeA", conf, env(bridgeA));
    b = cluster.launch("nodeB", conf, env(bridgeB));
    cluster.awaitReady(2, 120_000, a, b);
    http = new Http(vertx, cluster.key());
    Pool pool = StoreVerticle.createPool(vertx, PgConnectOptions.fromUri(TestDatabase.url()), 1);
    KeyRepository keys = new KeyRepository(pool);
    platformKey = KeyMaterial.newRawKey();
    chatOnlyKey = KeyMaterial.newRawKey();
    TestNode.await(keys.insert(new KeyRepository.NewKey("workers", KeyMaterial.hash(platformKey),
        KeyMaterial.prefix(platformKey), List.of("platform"), "test", null, null)));
    TestNode.await(keys.insert(new KeyRepository.NewKey("chat only", KeyMaterial.hash(chatOnlyKey),
        KeyMaterial.prefix(chatOnlyKey), List.of("chat", "im"), "test", null, null)));
    TestNode.await(pool.close());
    String nodes = "127.0.0.1:" + bridgeA + ",127.0.0.1:" + bridgeB;
    nodeWorker = WorkerProcess.node("node", nodes, platformKey, NODE_PLATFORM);
    pyWorker = WorkerProcess.python("python", nodes, platformKey, PY_PLATFORM);
  }

  private static Map<String, String> env(int bridgePort) {
    return Map.of("ASTRGATE_ROLES", "api,chat,platforms", "ASTRGATE_BRIDGE_PORT", Integer.toString(bridgePort),
        "ASTRGATE_BRIDGE_PING_TIMEOUT_MS", "3000", "ASTRGATE_BRIDGE_MAX_FRAMES_PER_SECOND", "5000",
        "ASTRGATE_BRIDGE_MAX_FRAME_BYTES", "65536");
  }

  @AfterAll
  static void tearDown() {
    extras.forEach(WorkerProcess::close);
    if (nodeWorker != null) {
      nodeWorker.close();
    }
    if (pyWorker != null) {
      pyWorker.close();
    }
    if (cluster != null) {
      cluster.close();
    }
    if (http != null) {
      http.close();
    }
    if (llm != null) {
      TestNode.await(llm.close());
    }
    TestNode.await(vertx.close());
  }

  private static HttpResponse<Buffer> send(NodeProcess via, String umo, String text) {
    return http.imMessage(via.port, new JsonObject().put("umo", umo).put("message", text));
  }

  private static String text(JsonObject sendEvent) {
    StringBuilder out = new StringBuilder();
    sendEvent.getJsonObject("body").getJsonArray("parts").forEach(p -> out.append(((JsonObject) p).getString("text", "")));
    return out.toString();
  }

  private static JsonObject awaitSend(WorkerProcess w, int from, String text) throws InterruptedException {
    return w.await(from, e -> "send".equals(e.getString("event")) && text.equals(text(e)), 10_000, "send " + text);
  }

  private static String state(NodeProcess n, String id) {
    JsonObject r = cluster.readyz(n);
    return r == null ? null : r.getJsonObject("platforms").getString(id);
  }

  @Test
  @Order(1)
  void bothWorkersClaimThroughAAndSendsThroughBReachThem() throws Exception {
    for (WorkerProcess w : List.of(nodeWorker, pyWorker)) {
      JsonObject claimed = w.await("claimed", 20_000).getJsonObject("answer");
      assertEquals("nodeA", claimed.getString("node"), claimed.encode());
      assertTrue(claimed.getLong("epoch") >= 1);
      assertEquals(1000, claimed.getLong("ping_interval_ms"));
    }
    assertEquals("owner", state(a, NODE_PLATFORM));
    assertEquals("idle", state(b, NODE_PLATFORM));
    JsonObject bots = new JsonObject(http.get(b.port, "/api/v1/im/bots?api_key=" + cluster.key()).bodyAsString());
    assertTrue(bots.encode().contains(NODE_PLATFORM) && bots.encode().contains(PY_PLATFORM), bots.encode());

    for (WorkerProcess w : List.of(nodeWorker, pyWorker)) {
      String id = w == nodeWorker ? NODE_PLATFORM : PY_PLATFORM;
      int from = w.size();
      HttpResponse<Buffer> r = send(b, id + ":FriendMessage:alice", "hello via B");
      assertEquals(200, r.statusCode(), r.bodyAsString());
      assertEquals("{\"status\":\"ok\",\"message\":null,\"data\":{}}", r.bodyAsString().strip());
      JsonObject got = awaitSend(w, from, "hello via B").getJsonObject("body");
      assertEquals(id + ":FriendMessage:alice", got.getString("umo"));
      assertEquals("alice", got.getString("session_id"));
      assertEquals("FriendMessage", got.getString("message_type"));

      // The platform's own words come back as upstream's 502 text.
      r = send(b, id + ":GroupMessage:g1", "FAIL Missing Permissions");
      assertEquals(502, r.statusCode(), r.bodyAsString());
      assertEquals("Failed to send message: Missing Permissions", r.bodyAsJsonObject().getString("message"));
    }
  }

  @Test
  @Order(2)
  void inboundMessagesGetLlmRepliesDeliveredToTheWorker() throws Exception {
    for (WorkerProcess w : List.of(nodeWorker, pyWorker)) {
      String id = w == nodeWorker ? NODE_PLATFORM : PY_PLATFORM;
      int from = w.size();
      w.command(new JsonObject().put("cmd", "inbound").put("id", "in1").put("message", new JsonObject()
          .put("session_id", "bob").put("message_id", "m-" + id).put("text", "what are you?")
          .put("sender", new JsonObject().put("user_id", "bob").put("nickname", "Bob"))));
      JsonObject reply = awaitSend(w, from, "Hi from the LLM").getJsonObject("body");
      assertEquals(id + ":FriendMessage:bob", reply.getString("umo"));
      JsonObject ack = w.await(from, e -> "ack".equals(e.getString("event")), 10_000, "ack").getJsonObject("body");
      assertEquals(true, ack.getBoolean("replied"), ack.encode());
      assertEquals(id + ":m-" + id, ack.getString("event_id"));
      JsonArray msgs = llm.lastRequest().body().getJsonArray("messages");
      assertEquals("what are you?", msgs.getJsonObject(msgs.size() - 1).getString("content"));
    }
    // A group message without mention or wake prefix does not wake the bot.
    int from = pyWorker.size();
    pyWorker.command(new JsonObject().put("cmd", "inbound").put("id", "g").put("message", new JsonObject()
        .put("session_id", "g7").put("message_type", "GroupMessage").put("text", "just chatting")));
    JsonObject ack = pyWorker.await(from, e -> "ack".equals(e.getString("event")), 10_000, "ack").getJsonObject("body");
    assertEquals(false, ack.getBoolean("replied"));
  }

  @Test
  @Order(3)
  void refusalsHurtNeitherNodeNorTheHolder() throws Exception {
    String nodes = "127.0.0.1:" + bridgeB;
    WorkerProcess second = track(WorkerProcess.node("second", nodes, platformKey, NODE_PLATFORM));
    JsonObject refused = second.await("refused", 10_000);
    assertEquals(409, refused.getInteger("code"));
    assertTrue(refused.getString("message").contains("held by a worker on node nodeA"), refused.encode());
    second.close();

    JsonObject wrong = track(WorkerProcess.node("wrong", nodes, "abk_" + "x".repeat(43), NODE_PLATFORM))
        .await("error", 10_000);
    assertEquals(401, wrong.getInteger("code"));
    assertEquals("Invalid API key", wrong.getString("message"));
    JsonObject unscoped = track(WorkerProcess.python("unscoped", nodes, chatOnlyKey, PY_PLATFORM)).await("error", 10_000);
    assertEquals(403, unscoped.getInteger("code"));
    assertEquals("API key lacks the platform scope", unscoped.getString("message"));
    JsonObject undeclared = track(WorkerProcess.node("undeclared", nodes, platformKey, "discord")).await("error", 10_000);
    assertEquals(404, undeclared.getInteger("code"));
    assertEquals("platform discord is not declared as a worker platform", undeclared.getString("message"));

    try (BridgeClient raw = new BridgeClient(bridgeA)) {
      // No key: err and closed.
      raw.send(new JsonObject().put("type", "send").put("address", "astrgate.worker.claim").put("replyAddress", "r0")
          .put("body", new JsonObject().put("platform_id", NODE_PLATFORM)));
      JsonObject err = raw.read();
      assertEquals("err", err.getString("type"));
      assertEquals(401, err.getInteger("failureCode"));
      assertEquals("Missing API key", err.getString("message"));
      assertTrue(raw.closedByPeer());
    }
    try (BridgeClient raw = new BridgeClient(bridgeA)) {
      // Authenticated (the claim itself is refused: the platform is held), then everything a worker must not do.
      raw.send(claim(PY_PLATFORM, "r1"));
      JsonObject held = raw.read();
      assertEquals(409, held.getInteger("failureCode"), held.encode());
      assertEquals("r1", held.getString("address"));
      raw.send(new JsonObject().put("type", "send").put("address", "chat.inbound").put("body", new JsonObject()));
      assertEquals("access_denied", raw.read().getString("message"));
      raw.send(new JsonObject().put("type", "register").put("address", "platform." + PY_PLATFORM + ".send"));
      assertEquals("access_denied", raw.read().getString("message"));
      raw.send(new JsonObject().put("type", "send").put("address", "astrgate.worker.inbound").put("replyAddress", "r2")
          .put("body", new JsonObject().put("session_id", "x")));
      JsonObject notClaimed = raw.read();
      assertEquals(409, notClaimed.getInteger("failureCode"));
      assertEquals("claim a platform first", notClaimed.getString("message"));
      int garbage = 1000;
      Set<String> kinds = ConcurrentHashMap.newKeySet();
      for (int i = 0; i < garbage; i++) {
        switch (i % 5) {
          case 0 -> raw.sendRaw(("not json " + i).getBytes(StandardCharsets.UTF_8));
          case 1 -> raw.sendRaw("[1,2,3]".getBytes(StandardCharsets.UTF_8));
          case 2 -> raw.send(new JsonObject().put("type", "teleport").put("address", "x"));
          case 3 -> raw.send(new JsonObject().put("type", "send"));
          default -> raw.sendRaw(new byte[64 * 1024 + 1]);
        }
      }
      for (int i = 0; i < garbage; i++) {
        JsonObject e = raw.read();
        assertEquals("err", e.getString("type"), e.encode());
        kinds.add(e.getString("message"));
      }
      assertEquals(Set.of("invalid_json", "invalid_frame", "unknown_type", "missing_address", "frame_too_large"), kinds);
      raw.send(new JsonObject().put("type", "ping"));
      assertEquals("pong", raw.read().getString("type"));
    }
    // The holders still answer through both nodes; both nodes are healthy.
    for (NodeProcess via : List.of(a, b)) {
      int from = nodeWorker.size();
      assertEquals(200, send(via, NODE_PLATFORM + ":FriendMessage:carol", "still here " + via.name).statusCode());
      awaitSend(nodeWorker, from, "still here " + via.name);
      from = pyWorker.size();
      assertEquals(200, send(via, PY_PLATFORM + ":FriendMessage:carol", "still here " + via.name).statusCode());
      awaitSend(pyWorker, from, "still here " + via.name);
      assertEquals(200, cluster.readyz(via).getInteger("http_status"));
    }
    assertTrue(nodeWorker.events("disconnected").isEmpty() && pyWorker.events("disconnected").isEmpty());
  }

  @Test
  @Order(4)
  void killingTheHoldersNodeMovesBothWorkersToBAndNoSendIsOkWithoutDelivery() throws Exception {
    int nodeFrom = nodeWorker.size();
    int pyFrom = pyWorker.size();
    List<String[]> okSends = new ArrayList<>();
    AtomicBoolean sending = new AtomicBoolean(true);
    Thread sender = new Thread(() -> {
      int i = 0;
      while (sending.get()) {
        for (String id : List.of(NODE_PLATFORM, PY_PLATFORM)) {
          String text = "seq-" + id + "-" + (i++);
          HttpResponse<Buffer> r = send(b, id + ":FriendMessage:dave", text);
          if (r.statusCode() == 200) {
            synchronized (okSends) {
              okSends.add(new String[] {id, text});
            }
          }
        }
        try {
          Thread.sleep(50);
        } catch (InterruptedException e) {
          return;
        }
      }
    });
    sender.start();
    Thread.sleep(500);
    long killedAt = System.nanoTime();
    a.kill();
    JsonObject n = nodeWorker.await(nodeFrom, e -> "claimed".equals(e.getString("event")), 15_000, "re-claim");
    long nodeMs = (System.nanoTime() - killedAt) / 1_000_000;
    JsonObject p = pyWorker.await(pyFrom, e -> "claimed".equals(e.getString("event")), 15_000, "re-claim");
    long pyMs = (System.nanoTime() - killedAt) / 1_000_000;
    assertEquals("nodeB", n.getJsonObject("answer").getString("node"));
    assertEquals("nodeB", p.getJsonObject("answer").getString("node"));
    assertTrue(nodeMs < 5_000 && pyMs < 5_000, "re-claimed after node " + nodeMs + " ms, python " + pyMs + " ms");
    Thread.sleep(1_000);
    sending.set(false);
    sender.join();
    // Sends resumed, and every send answered ok reached its worker.
    int resumed = 0;
    synchronized (okSends) {
      for (String[] s : okSends) {
        WorkerProcess w = s[0].equals(NODE_PLATFORM) ? nodeWorker : pyWorker;
        awaitSend(w, 0, s[1]);
        resumed++;
      }
    }
    for (WorkerProcess w : List.of(nodeWorker, pyWorker)) {
      String id = w == nodeWorker ? NODE_PLATFORM : PY_PLATFORM;
      int from = w.size();
      assertEquals(200, send(b, id + ":FriendMessage:erin", "after failover").statusCode());
      awaitSend(w, from, "after failover");
    }
    assertTrue(resumed > 0);
    System.out.println("re-claim after kill -9: node " + nodeMs + " ms, python " + pyMs + " ms; ok sends " + resumed);
  }

  private static WorkerProcess track(WorkerProcess w) {
    extras.add(w);
    return w;
  }

  private static JsonObject claim(String platformId, String reply) {
    return BridgeClient.claim(platformKey, platformId, reply);
  }
}
