package dev.astrgate.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.astrgate.fakes.FakeTelegram;
import dev.astrgate.support.TestNode;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * AstrBot's own default config, byte for byte as AstrBot writes {@code data/cmd_config.json} on its first start
 * (src/test/resources/astrbot/cmd_config.json: DEFAULT_CONFIG, UTF-8 with a BOM, indent 4), runs a node unchanged and
 * every endpoint answers; the same file with a Telegram entry in upstream's URL form
 * ({@code telegram_api_base_url: …/bot}, token appended directly) polls and sends through the wire-level fake.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class UpstreamConfigTest {
  static final Path SHIPPED = Path.of("src/test/resources/astrbot/cmd_config.json");
  static final String TOKEN = "123456:upstream-form";
  static final String TG = "telegram";

  private static Vertx vertx;
  private static FakeTelegram telegram;
  private static TestNode plain;
  private static TestNode withTelegram;
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  @BeforeAll
  static void setUp() throws Exception {
    vertx = Vertx.vertx();
    telegram = new FakeTelegram(vertx, TOKEN);
    TestNode.await(telegram.start());

    Path confDir = Files.createDirectories(Files.createTempDirectory("astrgate-upstream").resolve("conf"));
    Files.copy(SHIPPED, confDir.resolve("default.json"));
    plain = TestNode.start(Map.of("ASTRGATE_CONF_DIR", confDir.toString()), new JsonObject());

    // The same file plus the Telegram entry of upstream's platform template, pointed at the fake.
    String text = new String(Files.readAllBytes(SHIPPED), StandardCharsets.UTF_8).replaceFirst("^\uFEFF", "");
    JsonObject conf = new JsonObject(text);
    conf.put("platform", new JsonArray().add(new JsonObject().put("id", TG).put("type", "telegram").put("enable", true)
        .put("telegram_token", TOKEN).put("start_message", "Hello, I'm AstrBot!")
        .put("telegram_api_base_url", telegram.baseUrl() + "/bot")
        .put("telegram_file_base_url", telegram.baseUrl() + "/file/bot")
        .put("telegram_command_register", true).put("telegram_command_auto_refresh", true)
        .put("telegram_command_register_interval", 300)));
    Path tgDir = Files.createDirectories(Files.createTempDirectory("astrgate-upstream-tg").resolve("conf"));
    Files.writeString(tgDir.resolve("default.json"), conf.encodePrettily());
    withTelegram = TestNode.start(Map.of("ASTRGATE_CONF_DIR", tgDir.toString()), new JsonObject());
  }

  @AfterAll
  static void tearDown() {
    if (plain != null) {
      plain.close();
    }
    if (withTelegram != null) {
      withTelegram.close();
    }
    TestNode.await(telegram.close());
    TestNode.await(vertx.close());
  }

  private static HttpResponse<String> send(TestNode node, String method, String path, String key, String type, byte[] body)
      throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + node.port() + path))
        .timeout(Duration.ofSeconds(30))
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(body));
    if (key != null) {
      b.header("X-API-Key", key);
    }
    if (type != null) {
      b.header("Content-Type", type);
    }
    return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  private static JsonObject ok(HttpResponse<String> r) {
    assertEquals(200, r.statusCode(), r.body());
    JsonObject body = new JsonObject(r.body());
    assertEquals("ok", body.getString("status"), r.body());
    return body;
  }

  @Test
  void theShippedFileIsAstrBotsFirstStartOutputAndItsUnusedKeysAreListed() throws Exception {
    byte[] bytes = Files.readAllBytes(SHIPPED);
    assertEquals(0xEF, bytes[0] & 0xFF, "AstrBot writes cmd_config.json as utf-8-sig");
    JsonObject loaded = new ConfLoader(Map.of()).readFile(SHIPPED);
    assertEquals(List.of("/"), loaded.getJsonArray("wake_prefix").getList());
    List<String> ignored = ConfKeys.ignored(loaded);
    assertTrue(ignored.containsAll(List.of("config_version", "dashboard", "admins_id", "provider_settings.web_search",
        "platform_settings.unique_session", "t2i")), ignored.toString());
    for (String read : List.of("provider_settings.default_provider_id", "platform_settings.rate_limit", "wake_prefix",
        "persona", "platform", "provider")) {
      assertFalse(ignored.contains(read), read + " is read");
    }
  }

  @Test
  void everyEndpointAnswersOnTheUpstreamDefault() throws Exception {
    String key = plain.createKey();
    assertEquals(200, send(plain, "GET", "/healthz", null, null, null).statusCode());
    assertEquals(200, send(plain, "GET", "/readyz", null, null, null).statusCode());
    assertEquals(200, send(plain, "GET", "/api/v1/openapi.json", null, null, null).statusCode());
    assertEquals(200, send(plain, "GET", "/", null, null, null).statusCode());
    assertEquals(200, send(plain, "GET", "/docs", null, null, null).statusCode());
    assertEquals(200, send(plain, "GET", "/metrics", null, null, null).statusCode());

    assertEquals(new JsonArray(), ok(send(plain, "GET", "/api/v1/im/bots", key, null, null)).getJsonObject("data")
        .getJsonArray("bot_ids"));
    JsonArray configs = ok(send(plain, "GET", "/api/v1/configs", key, null, null)).getJsonObject("data")
        .getJsonArray("configs");
    assertEquals("default", configs.getJsonObject(configs.size() - 1).getString("id"));

    String boundary = "b0undary";
    byte[] form = ("--" + boundary + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.txt\"\r\n"
        + "Content-Type: text/plain\r\n\r\nhello\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8);
    String attachment = ok(send(plain, "POST", "/api/v1/file", key, "multipart/form-data; boundary=" + boundary, form))
        .getJsonObject("data").getString("attachment_id");
    HttpResponse<String> download = send(plain, "GET", "/api/v1/file?attachment_id=" + attachment, key, null, null);
    assertEquals("hello", download.body());

    ok(send(plain, "POST", "/api/v1/im/message", key, "application/json",
        new JsonObject().put("umo", "webchat:FriendMessage:upstream_default").put("message", "ping").encode().getBytes()));

    // No provider is configured upstream by default: the turn still streams to its end and the session is listed.
    HttpResponse<String> chat = send(plain, "POST", "/api/v1/chat", key, "application/json",
        new JsonObject().put("username", "alice").put("session_id", "s-up").put("message", "hi").encode().getBytes());
    assertEquals(200, chat.statusCode(), chat.body());
    assertTrue(chat.body().contains("\"type\": \"end\""), chat.body());
    JsonObject sessions = ok(send(plain, "GET", "/api/v1/chat/sessions?username=alice", key, null, null))
        .getJsonObject("data");
    assertEquals("s-up", sessions.getJsonArray("sessions").getJsonObject(0).getString("session_id"));
  }

  @Test
  void telegramWithUpstreamsUrlFormPollsAndSends() throws Exception {
    long deadline = System.currentTimeMillis() + 20_000;
    while (!"polling".equals(withTelegram.node().platforms().states().getString(TG)) || telegram.pollCount() == 0) {
      assertTrue(System.currentTimeMillis() < deadline, "poller never became active (getMe on <base>/bot<token>)");
      Thread.sleep(50);
    }
    assertTrue(telegram.pollCount() > 0, "getUpdates reached the fake at /bot<token>/getUpdates");
    String key = withTelegram.createKey("im");
    ok(send(withTelegram, "POST", "/api/v1/im/message", key, "application/json",
        new JsonObject().put("umo", TG + ":FriendMessage:4242").put("message", "from upstream form").encode().getBytes()));
    FakeTelegram.Sent sent = telegram.sent().get(telegram.sent().size() - 1);
    assertEquals("sendMessage", sent.method());
    assertEquals("from upstream form", sent.params().getString("text"));
  }
}
