package dev.astrgate.chat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.astrgate.fakes.FakeAnthropic;
import dev.astrgate.fakes.FakeOpenAi;
import dev.astrgate.fakes.FakeReply;
import dev.astrgate.fakes.RecordedRequest;
import dev.astrgate.support.SseClient;
import dev.astrgate.support.TestNode;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** POST /api/v1/chat end to end: real node, real PostgreSQL, wire-level fake OpenAI and Anthropic upstreams. */
@ExtendWith(VertxExtension.class)
@Timeout(value = 30, timeUnit = TimeUnit.SECONDS)
class ChatStreamTest {
  private static final Pattern STATS = Pattern.compile("data: \\{\"type\": \"agent_stats\", \"data\": \\{\"token_usage\": "
      + "\\{\"input_other\": (\\d+), \"input_cached\": (\\d+), \"output\": (\\d+)}, \"start_time\": \\d+\\.\\d+, "
      + "\"end_time\": \\d+\\.\\d+, \"time_to_first_token\": \\d+\\.\\d+(E-\\d+)?}}\n\n");
  private static final Pattern SAVED = Pattern.compile("data: \\{\"type\": \"message_saved\", \"data\": \\{\"id\": (\\d+), "
      + "\"created_at\": \"\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d(\\.\\d{6})?\\+00:00\"}}\n\n");

  private static FakeOpenAi openai;
  private static FakeAnthropic anthropic;
  private static TestNode node;
  private static SseClient sse;
  private static String key;

  @BeforeAll
  static void setUp(Vertx vertx) throws Exception {
    openai = TestNode.await(FakeOpenAi.start(vertx));
    anthropic = TestNode.await(FakeAnthropic.start(vertx));
    JsonObject claude = conf(openai.baseUrl(), anthropic.baseUrl(), 4).put("name", "Claude config");
    claude.getJsonObject("provider_settings").put("default_provider_id", "claude");
    node = TestNode.start(Map.of("ASTRGATE_SSE_HEARTBEAT_SECONDS", "1"), conf(openai.baseUrl(), anthropic.baseUrl(), 4), Map.of("claude", claude));
    sse = new SseClient(vertx, node.port());
    key = node.createKey();
  }

  static JsonObject conf(String openaiBase, String anthropicBase, int maxContext) {
    return new JsonObject()
        .put("provider_sources", new JsonArray()
            .add(new JsonObject().put("id", "oa").put("type", "openai_chat_completion").put("key", new JsonArray().add("sk-test"))
                .put("api_base", openaiBase).put("timeout", 3))
            .add(new JsonObject().put("id", "an").put("type", "anthropic_chat_completion").put("key", new JsonArray().add("ak-test"))
                .put("api_base", anthropicBase).put("timeout", 3)))
        .put("provider", new JsonArray()
            .add(new JsonObject().put("id", "gpt").put("provider_source_id", "oa").put("model", "gpt-test").put("enable", true))
            .add(new JsonObject().put("id", "claude").put("provider_source_id", "an").put("model", "claude-test").put("enable", true)))
        .put("provider_settings", new JsonObject().put("default_provider_id", "gpt").put("max_context_length", maxContext)
            .put("dequeue_context_length", 1).put("generate_session_title", false).put("display_reasoning_text", true))
        .put("platform_settings", new JsonObject().put("rate_limit", new JsonObject().put("count", 1000).put("time", 60)));
  }

  @AfterAll
  static void tearDown() {
    node.close();
  }

  @BeforeEach
  void reset() {
    openai.reset();
    anthropic.reset();
  }

  private static String sid() {
    return "s-" + UUID.randomUUID();
  }

  private static JsonObject body(String sessionId, Object message) {
    return new JsonObject().put("username", "alice").put("session_id", sessionId).put("message", message);
  }

  private static List<Row> history(String sessionId) {
    List<Row> out = new java.util.ArrayList<>();
    TestNode.await(node.pool().preparedQuery("SELECT id, sender_id, content FROM platform_message_history WHERE user_id = $1 ORDER BY id")
        .execute(Tuple.of(sessionId))).forEach(out::add);
    return out;
  }

  @Test
  void aProactiveSendShowsInTheOpenStreamAndOnceItEndsGoesToHistory(Vertx vertx) throws Exception {
    openai.script(FakeReply.tokens("slow", " reply").delayMs(700));
    String s = sid();
    dev.astrgate.support.Http http = new dev.astrgate.support.Http(vertx, key);
    try {
      io.vertx.core.Promise<Void> open = io.vertx.core.Promise.promise();
      var stream = sse.post(key, body(s, "hi"), (ev, req) -> {
        if ("session_id".equals(ev.getString("type"))) {
          open.tryComplete();
        }
      });
      TestNode.await(open.future());
      var live = http.imMessage(node.port(), new JsonObject().put("umo", "webchat:FriendMessage:" + s).put("message", "live one"));
      assertEquals(200, live.statusCode(), live.bodyAsString());
      SseClient.Result r = TestNode.await(stream);
      List<JsonObject> pushed = r.events().stream().filter(e -> "live one".equals(e.getValue("data"))).toList();
      assertEquals(List.of("plain", "complete"), pushed.stream().map(e -> e.getString("type")).toList(), r.raw());
      assertEquals("end", r.types().get(r.types().size() - 1));
      // Sent the moment the client saw the end: the stream is gone, so it is kept in history, never lost.
      var late = http.imMessage(node.port(), new JsonObject().put("umo", "webchat:FriendMessage:" + s).put("message", "too late"));
      assertEquals(200, late.statusCode(), late.bodyAsString());
      List<String> texts = history(s).stream().map(row -> ((JsonObject) row.getValue("content")).getJsonArray("message")
          .getJsonObject(0).getString("text")).toList();
      assertEquals(List.of("hi", "live one", "slow reply", "too late"), texts);
    } finally {
      http.close();
    }
  }

  @Test
  void streamingBytesAreUpstreamsFrames() {
    openai.script(FakeReply.tokens("Hello", ", ", "世界", "!").usage(30, 10, 4));
    String s = sid();
    SseClient.Result r = TestNode.await(sse.post(key, body(s, "hi there").put("enable_streaming", true)));
    assertEquals(200, r.status());
    assertEquals("text/event-stream", r.contentType());
    String mid = r.events().get(1).getString("message_id");
    String expectedHead = "data: {\"type\": \"session_id\", \"data\": null, \"session_id\": \"" + s + "\"}\n\n"
        + plain("Hello", mid) + plain(", ", mid) + plain("世界", mid) + plain("!", mid);
    assertTrue(r.raw().startsWith(expectedHead), r.raw());
    String rest = r.raw().substring(expectedHead.length());
    var stats = STATS.matcher(rest);
    assertTrue(stats.lookingAt(), rest);
    assertEquals("20", stats.group(1));
    assertEquals("10", stats.group(2));
    assertEquals("4", stats.group(3));
    rest = rest.substring(stats.end());
    String complete = "data: {\"type\": \"complete\", \"data\": \"Hello, 世界!\", \"reasoning\": \"\", \"streaming\": true, "
        + "\"message_id\": \"" + mid + "\"}\n\n";
    assertTrue(rest.startsWith(complete), rest);
    rest = rest.substring(complete.length());
    var saved = SAVED.matcher(rest);
    assertTrue(saved.lookingAt(), rest);
    rest = rest.substring(saved.end());
    assertEquals("data: {\"type\": \"end\", \"data\": \"\", \"streaming\": false, \"message_id\": \"" + mid + "\"}\n\n", rest);

    List<Row> rows = history(s);
    assertEquals(2, rows.size());
    assertEquals("alice", rows.get(0).getString("sender_id"));
    assertEquals(new JsonObject().put("type", "user").put("message", new JsonArray().add(new JsonObject().put("type", "plain")
        .put("text", "hi there"))), rows.get(0).getValue("content"));
    assertEquals(Long.parseLong(saved.group(1)), rows.get(1).getLong("id"));
    JsonObject bot = (JsonObject) rows.get(1).getValue("content");
    assertEquals("bot", rows.get(1).getString("sender_id"));
    assertEquals("Hello, 世界!", bot.getJsonArray("message").getJsonObject(0).getString("text"));
    assertEquals(4, bot.getJsonObject("agent_stats").getJsonObject("token_usage").getInteger("output"));
    RecordedRequest up = openai.lastRequest();
    assertEquals("gpt-test", up.body().getString("model"));
    assertEquals(true, up.body().getBoolean("stream"));
    assertEquals("Bearer sk-test", up.header("Authorization"));
  }

  private static String plain(String text, String mid) {
    return "data: {\"type\": \"plain\", \"data\": \"" + text + "\", \"streaming\": true, \"chain_type\": null, \"message_id\": \""
        + mid + "\"}\n\n";
  }

  @Test
  void nonStreamingOrderIsPlainSavedStatsEnd() {
    openai.script(FakeReply.tokens("Full", " answer").usage(5, 0, 2));
    String s = sid();
    SseClient.Result r = TestNode.await(sse.post(key, body(s, "q").put("enable_streaming", false)));
    assertEquals(List.of("session_id", "plain", "message_saved", "agent_stats", "end"), r.types());
    JsonObject p = r.events().get(1);
    assertEquals("Full answer", p.getString("data"));
    assertEquals(false, p.getBoolean("streaming"));
    assertEquals(false, openai.lastRequest().body().getBoolean("stream"));
    assertEquals(history(s).get(1).getLong("id"), r.events().get(2).getJsonObject("data").getLong("id"));
    assertEquals(2, r.events().get(3).getJsonObject("data").getJsonObject("token_usage").getInteger("output"));
  }

  @Test
  void reasoningIsStreamedAndSaved() {
    openai.script(FakeReply.tokens("42").reasoning("think", "ing"));
    String s = sid();
    SseClient.Result r = TestNode.await(sse.post(key, body(s, "why")));
    List<JsonObject> reasoning = r.events().stream().filter(e -> "reasoning".equals(e.getString("chain_type"))).toList();
    assertEquals(List.of("think", "ing"), reasoning.stream().map(e -> e.getString("data")).toList());
    assertEquals("thinking", r.first("complete").getString("reasoning"));
    assertEquals("thinking", ((JsonObject) history(s).get(1).getValue("content")).getString("reasoning"));
  }

  @Test
  void anthropicProviderBySelectedProvider() {
    anthropic.script(FakeReply.tokens("Claude", " here").usage(7, 3, 2));
    SseClient.Result r = TestNode.await(sse.post(key, body(sid(), "hello").put("selected_provider", "claude")));
    assertEquals("Claude here", r.first("complete").getString("data"));
    assertEquals("claude-test", anthropic.lastRequest().body().getString("model"));
    assertEquals(0, openai.requests().size());
  }

  @Test
  void selectedModelReachesUpstreamForOneRequestOnly() {
    String s = sid();
    TestNode.await(sse.post(key, body(s, "one").put("selected_model", "gpt-special")));
    assertEquals("gpt-special", openai.lastRequest().body().getString("model"));
    TestNode.await(sse.post(key, body(s, "two")));
    assertEquals("gpt-test", openai.lastRequest().body().getString("model"));
  }

  @Test
  void contextCarriesOverAndIsTrimmed() {
    String s = sid();
    for (int i = 1; i <= 6; i++) {
      openai.nextReply(FakeReply.tokens("a" + i));
      TestNode.await(sse.post(key, body(s, "q" + i)));
    }
    JsonArray sent = openai.lastRequest().body().getJsonArray("messages");
    // system + 4 kept rounds (max_context_length=4) + the new question.
    assertEquals("system", sent.getJsonObject(0).getString("role"));
    assertEquals(1 + 8 + 1, sent.size(), sent.encodePrettily());
    assertEquals("q2", sent.getJsonObject(1).getString("content"));
    assertEquals("a2", sent.getJsonObject(2).getString("content"));
    assertEquals("q6", sent.getJsonObject(9).getString("content"));
    JsonArray second = openai.requests().get(1).body().getJsonArray("messages");
    assertEquals("q1", second.getJsonObject(1).getString("content"));
    assertEquals("a1", second.getJsonObject(2).getString("content"));
  }

  @Test
  void imageAttachmentArrivesAsImageContent(Vertx vertx) {
    byte[] png = {(byte) 0x89, 'P', 'N', 'G', 1, 2, 3};
    var upload = TestNode.await(io.vertx.ext.web.client.WebClient.create(vertx).post(node.port(), "127.0.0.1", "/api/v1/file")
        .putHeader("X-API-Key", key).sendMultipartForm(io.vertx.ext.web.multipart.MultipartForm.create()
            .binaryFileUpload("file", "cat.png", io.vertx.core.buffer.Buffer.buffer(png), "image/png")));
    String id = upload.bodyAsJsonObject().getJsonObject("data").getString("attachment_id");
    String s = sid();
    TestNode.await(sse.post(key, body(s, new JsonArray().add(new JsonObject().put("type", "plain").put("text", "what is this"))
        .add(new JsonObject().put("type", "image").put("attachment_id", id)))));
    JsonArray content = openai.lastRequest().body().getJsonArray("messages").getJsonObject(1).getJsonArray("content");
    assertEquals("text", content.getJsonObject(0).getString("type"));
    assertEquals("image_url", content.getJsonObject(1).getString("type"));
    assertEquals("data:image/png;base64," + java.util.Base64.getEncoder().encodeToString(png),
        content.getJsonObject(1).getJsonObject("image_url").getString("url"));
    JsonObject stored = (JsonObject) history(s).get(0).getValue("content");
    assertEquals(new JsonObject().put("type", "image").put("attachment_id", id).put("filename", "cat.png"),
        stored.getJsonArray("message").getJsonObject(1));
  }

  @Test
  void configRoutePersistsThenResetsWithDefault() {
    String s = sid();
    String umo = ChatTurn.webchatUmo("alice", s);
    TestNode.await(sse.post(key, body(s, "x").put("config_name", "Claude config")));
    assertEquals("claude", routes().getString(umo));
    assertEquals(1, anthropic.requests().size(), "the routed config's default provider answers");
    // The route is persistent: a later turn without config_id still runs under it.
    TestNode.await(sse.post(key, body(s, "y")));
    assertEquals(2, anthropic.requests().size());
    TestNode.await(sse.post(key, body(s, "z").put("config_id", "default")));
    assertFalse(routes().containsKey(umo));
    assertEquals(1, openai.requests().size());
  }

  private static JsonObject routes() {
    var rows = TestNode.await(node.pool().query("SELECT value->'val' FROM preferences WHERE key = 'umop_config_routing'").execute());
    return rows.size() == 0 ? new JsonObject() : (JsonObject) rows.iterator().next().getValue(0);
  }

  @Test
  void preStreamErrorsAreEnvelopesAndLeaveNoRows() {
    String s = sid();
    record Case(JsonObject body, int status, String message) {
    }
    List<Case> cases = List.of(
        new Case(new JsonObject().put("message", "x").put("session_id", s), 400, "Missing key: username"),
        new Case(new JsonObject().put("username", " ").put("message", "x").put("session_id", s), 400, "username is empty"),
        new Case(new JsonObject().put("username", "alice").put("session_id", s), 400, "Missing key: message or files"),
        new Case(body(s, "   "), 400, "Message content is empty (reply only is not allowed)"),
        new Case(body(s, new JsonArray().add(new JsonObject().put("type", "reply").put("message_id", 1))), 400,
            "Message content is empty (reply only is not allowed)"),
        new Case(body(s, new JsonArray().add(new JsonObject().put("type", "image").put("attachment_id", "nope"))), 400,
            "Message content is empty (reply only is not allowed)"),
        new Case(body(s, "x").put("config_id", "nope"), 404, "config_id not found: nope"),
        new Case(body(s, "x").put("config_name", "nope"), 404, "config_name not found: nope"));
    for (Case c : cases) {
      SseClient.Result r = TestNode.await(sse.post(key, c.body()));
      assertEquals(c.status(), r.status(), c.message());
      JsonObject env = new JsonObject(r.raw());
      assertEquals("error", env.getString("status"));
      assertEquals(c.message(), env.getString("message"));
    }
    assertEquals(0L, TestNode.await(node.pool().preparedQuery("SELECT count(*) FROM platform_sessions WHERE session_id = $1")
        .execute(Tuple.of(s))).iterator().next().getLong(0));
    assertTrue(history(s).isEmpty());
    assertEquals(0, openai.requests().size());
  }

  @Test
  void sessionOfAnotherUserIs409() {
    String s = sid();
    TestNode.await(sse.post(key, body(s, "mine")));
    SseClient.Result r = TestNode.await(sse.post(key, body(s, "theirs").put("username", "mallory")));
    assertEquals(409, r.status());
    assertEquals("session_id belongs to another username", new JsonObject(r.raw()).getString("message"));
  }

  @Test
  void twoUsersRacingForANewSessionGetOneOwner() {
    for (int round = 0; round < 8; round++) {
      String s = sid();
      var alice = sse.post(key, body(s, "a"));
      var mallory = sse.post(key, body(s, "m").put("username", "mallory"));
      TestNode.await(io.vertx.core.Future.all(alice, mallory));
      List<Integer> statuses = java.util.stream.Stream.of(alice.result().status(), mallory.result().status()).sorted().toList();
      assertEquals(List.of(200, 409), statuses, "round " + round);
      String winner = alice.result().status() == 200 ? "alice" : "mallory";
      assertEquals(winner, TestNode.await(node.pool().preparedQuery("SELECT creator FROM platform_sessions WHERE session_id = $1")
          .execute(Tuple.of(s))).iterator().next().getString(0));
      assertEquals(List.of(winner), history(s).stream().map(r -> r.getString("sender_id")).filter(x -> !"bot".equals(x)).toList());
    }
  }

  @Test
  void generatedSessionIdAndStrippedIds() {
    SseClient.Result r = TestNode.await(sse.post(key, new JsonObject().put("username", "bob").put("message", "hi")));
    String generated = r.events().get(0).getString("session_id");
    assertTrue(generated.matches("[0-9a-f-]{36}"), generated);
    String s = sid();
    SseClient.Result padded = TestNode.await(sse.post(key, new JsonObject().put("username", "bob").put("conversation_id", "  " + s + " ")
        .put("message", "hi")));
    assertEquals(s, padded.events().get(0).getString("session_id"));
    assertEquals(2, history(s).size());
  }

  @Test
  void noProviderAndUnknownProviderExplainThemselves() {
    SseClient.Result r = TestNode.await(sse.post(key, body(sid(), "hi").put("selected_provider", "ghost")));
    assertEquals(List.of("session_id", "plain", "end"), r.types());
    assertTrue(r.events().get(1).getString("data").startsWith("Unknown provider: ghost"));
  }

  @Test
  void upstreamFailuresEndWithErrorTextAndEnd() {
    record Case(FakeReply reply, String type) {
    }
    List<Case> cases = List.of(
        new Case(FakeReply.error(500, "upstream exploded"), "APIStatusError"),
        new Case(FakeReply.error(401, "bad key"), "AuthenticationError"),
        new Case(FakeReply.tokens("a", "b").hangBeforeHeaders(), "APITimeoutError"),
        new Case(FakeReply.tokens("a", "b", "c").hangAfter(1), "APITimeoutError"),
        new Case(FakeReply.tokens("a", "b", "c").malformedAfter(1), "MalformedResponseError"),
        new Case(FakeReply.tokens("a", "b", "c").cutAfter(1), "StreamInterruptedError"));
    for (Case c : cases) {
      openai.reset();
      openai.script(c.reply());
      String s = sid();
      long t0 = System.nanoTime();
      SseClient.Result r = TestNode.await(sse.post(key, body(s, "q")));
      long ms = (System.nanoTime() - t0) / 1_000_000;
      assertTrue(ms < 3000 + 2000, c.type() + " took " + ms + " ms");
      assertEquals("end", r.types().get(r.types().size() - 1), c.type() + " " + r.types());
      JsonObject error = r.events().stream().filter(e -> "plain".equals(e.getString("type"))
          && e.getString("data").startsWith("Error occurred during AI execution.")).findFirst().orElse(null);
      assertNotNull(error, c.type() + " " + r.raw());
      assertTrue(error.getString("data").contains("Error Type: " + c.type()), error.getString("data"));
      assertTrue(r.types().contains("complete"), c.type());
      String saved = ((JsonObject) history(s).get(1).getValue("content")).getJsonArray("message").getJsonObject(0).getString("text");
      assertTrue(saved.contains("Error occurred during AI execution."), "a failed turn is never an empty reply");
    }
    openai.reset();
    openai.script(FakeReply.error(500, "upstream exploded"));
    SseClient.Result r = TestNode.await(sse.post(key, body(sid(), "q")));
    assertTrue(r.raw().contains("upstream exploded"), r.raw());
  }

  @Test
  void concurrentTurnsOnOneSessionDoNotInterleave() {
    String s = sid();
    openai.nextReply(FakeReply.tokens("first-a", "first-b", "first-c").delayMs(100));
    openai.nextReply(FakeReply.tokens("second-a", "second-b").delayMs(10));
    Future<SseClient.Result> one = sse.post(key, body(s, "one"));
    Future<SseClient.Result> two = sse.post(key, body(s, "two"));
    TestNode.await(Future.all(one, two));
    assertEquals(2, openai.requests().size());
    // The second upstream request started only after the first turn had finished and saved its context.
    RecordedRequest second = openai.requests().get(1);
    JsonArray msgs = second.body().getJsonArray("messages");
    assertEquals(4, msgs.size(), msgs.encodePrettily());
    String firstAnswer = msgs.getJsonObject(2).getString("content");
    assertTrue(firstAnswer.equals("first-afirst-bfirst-c") || firstAnswer.equals("second-asecond-b"), firstAnswer);
    List<Row> rows = history(s);
    assertEquals(4, rows.size());
  }

  @Test
  void heartbeatCommentsFillSilence() {
    openai.script(FakeReply.tokens("slow", "er").delayMs(2200));
    SseClient.Result r = TestNode.await(sse.post(key, body(sid(), "q")));
    assertTrue(r.raw().contains("\n\n: heartbeat\n\n"), r.raw());
    assertEquals("end", r.types().get(r.types().size() - 1));
    assertEquals("slower", r.first("complete").getString("data"));
  }

  @Test
  void streamsEndingAroundASilentOneDoNotStopItsHeartbeats() throws InterruptedException {
    // Heartbeats share one timer per event loop: the streams that end meanwhile (on every loop, eight of them)
    // must not stop the beats of the one still waiting.
    openai.nextReply(FakeReply.tokens("late").delayMs(2500));
    openai.script(FakeReply.tokens("quick"));
    var silent = sse.post(key, body(sid(), "slow one"));
    while (openai.requests().isEmpty()) {
      Thread.sleep(10);
    }
    TestNode.await(io.vertx.core.Future.all(java.util.stream.IntStream.range(0, 8)
        .mapToObj(i -> sse.post(key, body(sid(), "fast " + i))).toList()));
    SseClient.Result r = TestNode.await(silent);
    assertEquals("late", r.first("complete").getString("data"));
    // The fast turns end within milliseconds; a beat needs a second of silence, so it comes after they all left.
    assertTrue(r.raw().contains("\n\n: heartbeat\n\n"), r.raw());
  }

  @Test
  void cancelMidStreamClosesUpstreamAndSavesPartial() {
    openai.script(FakeReply.tokens("one ", "two ", "three ", "four ", "five").delayMs(200));
    String s = sid();
    long[] hungUp = {0};
    sse.post(key, body(s, "q"), (ev, req) -> {
      if ("plain".equals(ev.getString("type")) && hungUp[0] == 0) {
        hungUp[0] = System.currentTimeMillis();
        req.connection().close();
      }
    });
    RecordedRequest up = TestNode.await(openai.awaitRequest(0));
    long closed = TestNode.await(up.clientClosed());
    assertTrue(closed - hungUp[0] < 1000, "upstream closed " + (closed - hungUp[0]) + " ms after the client left");
    JsonObject bot = awaitBot(s);
    assertEquals(true, bot.getBoolean("interrupted"));
    assertTrue(bot.getJsonArray("message").getJsonObject(0).getString("text").startsWith("one"), bot.encode());
  }

  @Test
  void cancelBeforeFirstTokenClosesUpstream() {
    openai.script(FakeReply.tokens("never").hangBeforeHeaders());
    assertClosedAfterHangUp(true);
  }

  @Test
  void cancelWhileWaitingForNonStreamingAnswerClosesUpstream() {
    openai.script(FakeReply.tokens("never").hangAfterHeaders());
    assertClosedAfterHangUp(false);
  }

  private void assertClosedAfterHangUp(boolean streaming) {
    String s = sid();
    io.vertx.core.http.HttpClientRequest[] request = {null};
    sse.post(key, body(s, "q").put("enable_streaming", streaming), (ev, req) -> request[0] = req);
    RecordedRequest up = TestNode.await(openai.awaitRequest(0));
    // The session_id event has arrived by the time the upstream request was made.
    long deadline = System.currentTimeMillis() + 2000;
    while (request[0] == null && System.currentTimeMillis() < deadline) {
      TestNode.await(node.node().vertx().timer(20));
    }
    assertNotNull(request[0], "the stream started");
    long hungUp = System.currentTimeMillis();
    request[0].connection().close();
    long closed = TestNode.await(up.clientClosed());
    assertTrue(closed - hungUp < 1000, "upstream closed " + (closed - hungUp) + " ms after the client left");
    assertEquals(true, awaitBot(s).getBoolean("interrupted"));
  }

  private static JsonObject awaitBot(String s) {
    long deadline = System.currentTimeMillis() + 5000;
    List<Row> rows = history(s);
    while (rows.size() < 2 && System.currentTimeMillis() < deadline) {
      TestNode.await(node.node().vertx().timer(50));
      rows = history(s);
    }
    assertEquals(2, rows.size(), "user turn and interrupted bot turn");
    return (JsonObject) rows.get(1).getValue("content");
  }
}
