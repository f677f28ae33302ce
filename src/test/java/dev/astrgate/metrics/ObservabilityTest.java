package dev.astrgate.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.PatternLayout;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import dev.astrgate.chat.ChatStreamTestConf;
import dev.astrgate.fakes.FakeOneBot;
import dev.astrgate.fakes.FakeOpenAi;
import dev.astrgate.fakes.FakeReply;
import dev.astrgate.logging.JsonLineLayout;
import dev.astrgate.support.SseClient;
import dev.astrgate.support.TestNode;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.slf4j.LoggerFactory;

/** /metrics after real traffic, the metrics token, and logs that never carry a key, in text and JSON formats. */
@ExtendWith(VertxExtension.class)
@Timeout(value = 60, timeUnit = TimeUnit.SECONDS)
class ObservabilityTest {
  private static final String QQ_TOKEN = "obs-" + System.nanoTime();
  private static FakeOpenAi llm;
  private static TestNode node;
  private static WebClient client;
  private static String key;
  private static final List<String> textLines = new CopyOnWriteArrayList<>();
  private static final List<String> jsonLines = new CopyOnWriteArrayList<>();
  private static AppenderBase<ILoggingEvent> capture;
  private static String metrics;

  /** Renders every event with both production layouts. */
  static final class Capture extends AppenderBase<ILoggingEvent> {
    private final PatternLayout text = new PatternLayout();
    private final JsonLineLayout json = new JsonLineLayout();

    Capture(LoggerContext ctx) {
      setContext(ctx);
      text.setContext(ctx);
      text.setPattern("%d{HH:mm:ss.SSS} %-5level [%property{node}] [rid=%X{rid:--}] %logger{24} - %msg%n%ex");
      text.start();
      json.setContext(ctx);
      json.start();
    }

    @Override
    protected void append(ILoggingEvent e) {
      textLines.add(text.doLayout(e));
      jsonLines.add(json.doLayout(e));
    }
  }

  @BeforeAll
  static void setUp(Vertx vertx) throws Exception {
    LoggerContext ctx = (LoggerContext) LoggerFactory.getILoggerFactory();
    capture = new Capture(ctx);
    capture.start();
    ctx.getLogger(Logger.ROOT_LOGGER_NAME).addAppender(capture);

    llm = TestNode.await(FakeOpenAi.start(vertx));
    JsonObject conf = ChatStreamTestConf.conf(llm.baseUrl()).put("platform", new JsonArray()
        .add(new JsonObject().put("id", "qq").put("type", "aiocqhttp").put("enable", true).put("ws_reverse_token", QQ_TOKEN)));
    node = TestNode.start(Map.of(), conf);
    client = WebClient.create(vertx);
    key = node.createKey();

    // Traffic: turns (ok, upstream error, cancelled), auth failures, sends (ok, unknown platform).
    SseClient sse = new SseClient(vertx, node.port());
    llm.script(FakeReply.tokens("fine", " thanks").usage(10, 2, 2));
    TestNode.await(sse.post(key, new JsonObject().put("username", "m").put("message", "hi")));
    llm.nextReply(FakeReply.error(500, "boom"));
    TestNode.await(sse.post(key, new JsonObject().put("username", "m").put("message", "fail please")));
    llm.nextReply(FakeReply.tokens("a", "b", "c").delayMs(300));
    sse.post(key, new JsonObject().put("username", "m").put("message", "leave"), (ev, req) -> {
      if ("plain".equals(ev.getString("type"))) {
        req.connection().close();
      }
    });
    TestNode.await(llm.awaitRequest(2).compose(r -> r.clientClosed()));
    TestNode.await(client.get(node.port(), "127.0.0.1", "/api/v1/im/bots").send());
    TestNode.await(client.get(node.port(), "127.0.0.1", "/api/v1/im/bots").addQueryParam("api_key", "abk_not-a-real-key").send());
    TestNode.await(client.get(node.port(), "127.0.0.1", "/api/v1/im/bots").addQueryParam("key", key).send());
    TestNode.await(client.get(node.port(), "127.0.0.1", "/api/v1/configs").putHeader("Authorization", "Bearer " + key).send());

    FakeOneBot bot = new FakeOneBot(vertx, "20002");
    TestNode.await(bot.connect(node.port(), "/platform/qq/ws", QQ_TOKEN));
    bot.answerOk();
    long deadline = System.currentTimeMillis() + 10_000;
    while (!"owner".equals(node.node().platforms().states().getValue("qq")) && System.currentTimeMillis() < deadline) {
      TestNode.await(vertx.timer(20));
    }
    TestNode.await(client.post(node.port(), "127.0.0.1", "/api/v1/im/message").putHeader("X-API-Key", key)
        .sendJsonObject(new JsonObject().put("umo", "qq:FriendMessage:42").put("message", "hello")));
    TestNode.await(client.post(node.port(), "127.0.0.1", "/api/v1/im/message").putHeader("X-API-Key", key)
        .sendJsonObject(new JsonObject().put("umo", "nope:FriendMessage:42").put("message", "hello")));
    TestNode.await(vertx.timer(500));
    metrics = TestNode.await(client.get(node.port(), "127.0.0.1", "/metrics").send()).bodyAsString();
    TestNode.await(bot.close());
  }

  @AfterAll
  static void tearDown() {
    ((LoggerContext) LoggerFactory.getILoggerFactory()).getLogger(Logger.ROOT_LOGGER_NAME).detachAppender(capture);
    node.close();
    TestNode.await(llm.close());
  }

  /** The value of the first sample whose name and labels match, or -1. */
  private static double sample(String name, String... labels) {
    for (String line : metrics.split("\n")) {
      if (line.startsWith(name + "{") || line.startsWith(name + " ")) {
        boolean all = true;
        for (String l : labels) {
          all &= line.contains(l);
        }
        if (all) {
          return Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
        }
      }
    }
    return -1;
  }

  @Test
  void chatMetrics() {
    assertEquals(1.0, sample("astrgate_chat_turns_total", "provider=\"gpt\"", "outcome=\"ok\""), metrics);
    assertEquals(1.0, sample("astrgate_chat_turns_total", "outcome=\"error\""));
    assertEquals(1.0, sample("astrgate_chat_turns_total", "outcome=\"cancelled\""));
    assertEquals(1.0, sample("astrgate_chat_cancellations_total", "provider=\"gpt\""));
    assertEquals(1.0, sample("astrgate_chat_upstream_errors_total", "kind=\"APIStatusError\""));
    assertTrue(sample("astrgate_chat_time_to_first_token_seconds_count") >= 2);
    assertTrue(sample("astrgate_chat_time_to_first_token_seconds_bucket", "le=\"1.0\"") >= 2);
    assertEquals(3.0, sample("astrgate_chat_turn_duration_seconds_count"));
    assertTrue(sample("astrgate_chat_turn_duration_seconds_sum") > 0.0);
    assertEquals(2.0, sample("astrgate_chat_tokens_total", "direction=\"out\""));
    assertEquals(10.0, sample("astrgate_chat_tokens_total", "direction=\"in\""));
    assertEquals(0.0, sample("astrgate_sse_open_streams"), "every stream was closed");
  }

  @Test
  void platformClusterAuthAndVertxMetrics() {
    assertEquals(1.0, sample("astrgate_platform_sends_total", "platform=\"qq\"", "outcome=\"ok\""), metrics);
    assertEquals(1.0, sample("astrgate_platform_sends_total", "platform=\"nope\"", "outcome=\"not_found\""));
    assertTrue(sample("astrgate_platform_send_duration_seconds_count") >= 2);
    assertEquals(1.0, sample("astrgate_platform_connected", "platform=\"qq\""), "this node held the connection at scrape time");
    assertEquals(1.0, sample("astrgate_auth_failures_total", "reason=\"missing\""));
    assertEquals(1.0, sample("astrgate_auth_failures_total", "reason=\"invalid\""));
    assertEquals(1.0, sample("astrgate_cluster_members"));
    assertTrue(sample("vertx_http_server_requests_total") > 0, "Vert.x HTTP metrics");
    assertTrue(metrics.contains("vertx_pool_") || metrics.contains("vertx_eventbus_"), "Vert.x pool or event-bus metrics");
    assertTrue(metrics.contains("jvm_memory_used_bytes"));
    assertFalse(metrics.contains(key), "no key in metrics");
    assertFalse(metrics.contains("username"), "no usernames as labels");
  }

  @Test
  void metricsTokenGuardsTheEndpoint(Vertx vertx) {
    TestNode guarded = TestNode.start(Map.of("ASTRGATE_METRICS_TOKEN", "scrape-secret"), TestNode.defaultConf());
    try {
      HttpResponse<Buffer> none = TestNode.await(client.get(guarded.port(), "127.0.0.1", "/metrics").send());
      HttpResponse<Buffer> wrong = TestNode.await(client.get(guarded.port(), "127.0.0.1", "/metrics")
          .putHeader("Authorization", "Bearer nope").send());
      HttpResponse<Buffer> right = TestNode.await(client.get(guarded.port(), "127.0.0.1", "/metrics")
          .putHeader("Authorization", "Bearer scrape-secret").send());
      assertEquals(401, none.statusCode());
      assertEquals(401, wrong.statusCode());
      assertEquals(200, right.statusCode());
      assertTrue(right.bodyAsString().contains("astrgate_sse_open_streams"));
    } finally {
      guarded.close();
    }
  }

  @Test
  void logsNeverCarryKeysInEitherFormat() {
    assertTrue(textLines.size() > 10, "traffic was logged");
    for (List<String> lines : List.of(textLines, jsonLines)) {
      for (String line : lines) {
        assertFalse(line.contains(key), "a key leaked into: " + line);
        assertFalse(line.contains("abk_not-a-real-key"), "a query-string key leaked into: " + line);
        assertFalse(line.contains(QQ_TOKEN), "a platform token leaked into: " + line);
        assertFalse(line.contains("sk-test"), "an upstream key leaked into: " + line);
      }
    }
    assertTrue(textLines.stream().anyMatch(l -> l.contains("api_key=[redacted]")));
    // Request lines carry the request id and the node name, in both formats.
    Pattern rid = Pattern.compile("\\[rid=([0-9a-f]{16})].*astrgate.access");
    String access = textLines.stream().filter(l -> l.contains("astrgate.access")).findFirst().orElseThrow();
    Matcher m = rid.matcher(access);
    assertTrue(m.find(), access);
    assertTrue(access.contains("[" + node.node().options().nodeName() + "]"), access);
    JsonObject json = jsonLines.stream().map(JsonObject::new).filter(j -> "astrgate.access".equals(j.getString("logger")))
        .findFirst().orElseThrow();
    assertTrue(json.getString("rid").matches("[0-9a-f]{16}"), json.encode());
    assertEquals(node.node().options().nodeName(), json.getString("node"));
    assertTrue(json.getString("msg").startsWith("request method="), json.encode());
    // A chat turn's own lines (on the chat verticle) carry the id of the request that started it.
    assertTrue(jsonLines.stream().map(JsonObject::new).anyMatch(j -> j.getString("msg").startsWith("provider failed")
        && j.getString("rid").matches("[0-9a-f]{16}")), "turn log lines keep the request id");
  }
}
