package dev.astrgate.bridge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.astrgate.fakes.FakeOpenAi;
import dev.astrgate.fakes.FakeReply;
import dev.astrgate.support.Http;
import dev.astrgate.support.TestNode;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The two example adapters, run as shipped: the Node terminal chat and the Python webhook adapter. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class WorkerExamplesTest {
  private static Vertx vertx;
  private static FakeOpenAi llm;
  private static TestNode node;
  private static int bridgePort;
  private static String workerKey;
  private static Http http;

  @BeforeAll
  static void setUp() {
    vertx = Vertx.vertx();
    llm = TestNode.await(FakeOpenAi.start(vertx));
    llm.script(FakeReply.tokens("Hello ", "from the bot"));
    bridgePort = TestNode.freePort();
    JsonObject conf = dev.astrgate.chat.ChatStreamTestConf.conf(llm.baseUrl()).put("platform", new JsonArray()
        .add(new JsonObject().put("id", "terminal").put("type", "worker").put("enable", true))
        .add(new JsonObject().put("id", "hooks").put("type", "worker").put("enable", true)));
    node = TestNode.start(Map.of("ASTRGATE_BRIDGE_PORT", Integer.toString(bridgePort)), conf);
    workerKey = node.createKey("platform");
    http = new Http(vertx, node.createKey());
  }

  @AfterAll
  static void tearDown() {
    http.close();
    node.close();
    TestNode.await(llm.close());
    TestNode.await(vertx.close());
  }

  private static BlockingQueue<String> lines(Process p) {
    BlockingQueue<String> q = new LinkedBlockingQueue<>();
    Thread t = new Thread(() -> {
      try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
        String line;
        while ((line = r.readLine()) != null) {
          q.add(line);
        }
      } catch (java.io.IOException e) {
        // gone
      }
    });
    t.setDaemon(true);
    t.start();
    return q;
  }

  private static String next(BlockingQueue<String> q, String prefix) throws InterruptedException {
    long deadline = System.currentTimeMillis() + 20_000;
    while (System.currentTimeMillis() < deadline) {
      String line = q.poll(100, TimeUnit.MILLISECONDS);
      if (line != null && line.startsWith(prefix)) {
        return line;
      }
    }
    throw new AssertionError("no line starting with " + prefix);
  }

  @Test
  void terminalChatTalksToTheBotAndShowsProactiveSends() throws Exception {
    ProcessBuilder pb = new ProcessBuilder("node", "workers/node/examples/terminal-chat.js", "127.0.0.1:" + bridgePort)
        .redirectErrorStream(true);
    pb.environment().putAll(Map.of("ASTRGATE_KEY", workerKey, "ASTRGATE_USER", "tester"));
    Process p = pb.start();
    try {
      BlockingQueue<String> out = lines(p);
      next(out, "[claimed terminal");
      OutputStream in = p.getOutputStream();
      in.write("hi there\n".getBytes(StandardCharsets.UTF_8));
      in.flush();
      assertEquals("bot> Hello from the bot", next(out, "bot>"));
      HttpResponse<Buffer> r = http.imMessage(node.port(), new JsonObject().put("umo", "terminal:FriendMessage:tester")
          .put("message", "a proactive hello"));
      assertEquals(200, r.statusCode(), r.bodyAsString());
      assertEquals("bot> a proactive hello", next(out, "bot>"));
    } finally {
      p.destroyForcibly();
    }
  }

  @Test
  void webhookAdapterForwardsIncomingAndDeliversToTheCallback() throws Exception {
    BlockingQueue<JsonObject> callbacks = new LinkedBlockingQueue<>();
    HttpServer callback = TestNode.await(vertx.createHttpServer().requestHandler(req -> req.body().onSuccess(b -> {
      JsonObject send = b.toJsonObject();
      callbacks.add(send);
      boolean fail = send.getString("text").contains("refuse me");
      req.response().setStatusCode(fail ? 500 : 200).end(fail ? "channel archived" : "ok");
    })).listen(0, "127.0.0.1"));
    int listen = TestNode.freePort();
    ProcessBuilder pb = new ProcessBuilder("python3", "workers/python/examples/webhook.py", "--nodes",
        "127.0.0.1:" + bridgePort, "--platform", "hooks", "--listen", "127.0.0.1:" + listen,
        "--callback", "http://127.0.0.1:" + callback.actualPort() + "/out").redirectErrorStream(true);
    pb.environment().put("ASTRGATE_KEY", workerKey);
    Process p = pb.start();
    WebClient client = WebClient.create(vertx);
    try {
      next(lines(p), "listening on");
      HttpResponse<Buffer> in = TestNode.await(client.post(listen, "127.0.0.1", "/incoming")
          .sendJsonObject(new JsonObject().put("session_id", "alice").put("text", "hello hook")));
      assertEquals(202, in.statusCode(), in.bodyAsString());
      assertEquals(true, in.bodyAsJsonObject().getBoolean("replied"));
      JsonObject reply = callbacks.poll(10, TimeUnit.SECONDS);
      assertEquals("hooks:FriendMessage:alice", reply.getString("umo"));
      assertEquals("Hello from the bot", reply.getString("text"));

      HttpResponse<Buffer> bad = TestNode.await(client.post(listen, "127.0.0.1", "/incoming")
          .sendJsonObject(new JsonObject().put("text", "no session")));
      assertEquals(400, bad.statusCode());

      HttpResponse<Buffer> r = http.imMessage(node.port(), new JsonObject().put("umo", "hooks:FriendMessage:alice")
          .put("message", "refuse me"));
      assertEquals(502, r.statusCode(), r.bodyAsString());
      assertEquals("Failed to send message: callback answered 500: channel archived",
          r.bodyAsJsonObject().getString("message"));
      assertTrue(callbacks.poll(5, TimeUnit.SECONDS).getString("text").contains("refuse me"));
    } finally {
      p.destroyForcibly();
      client.close();
      TestNode.await(callback.close());
    }
  }
}
