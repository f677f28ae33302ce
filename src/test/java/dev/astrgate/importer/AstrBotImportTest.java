package dev.astrgate.importer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.astrgate.Main;
import dev.astrgate.auth.LegacyKeys;
import dev.astrgate.fakes.FakeOpenAi;
import dev.astrgate.fakes.FakeReply;
import dev.astrgate.fakes.RecordedRequest;
import dev.astrgate.support.TestDatabase;
import dev.astrgate.support.TestNode;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Tuple;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import picocli.CommandLine;

/**
 * {@code astrgate import astrbot} on an AstrBot data directory this test builds itself: a {@code data_v4.db} with
 * upstream's tables (SQLModel's mapping, ASTRBOT.md §10) and rows as AstrBot writes them (PBKDF2 key hashes, naive
 * UTC timestamps, JSON as text), AstrBot's first-start {@code cmd_config.json} plus a provider, an extra config and
 * one attachment file (another attachment's file is missing). A real node then runs on the result.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class AstrBotImportTest {
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final String RUN = Long.toString(System.nanoTime(), 36);
  private static final String ALICE = "alice-" + RUN;
  private static final String EXTRA_CONF = "c0nf" + RUN;
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  /** Raw keys in upstream's format, one per state. */
  private static final String ACTIVE = rawKey();
  private static final String REVOKED = rawKey();
  private static final String EXPIRED = rawKey();
  private static final String SCOPED = rawKey();
  private static final String NEVER_USED = rawKey();
  /** Never presented in this test, so its row keeps upstream's hash (the flood test needs one). */
  private static final String DORMANT = rawKey();
  private static final String PRESENT_ATT = UUID.randomUUID().toString();
  private static final String MISSING_ATT = UUID.randomUUID().toString();
  private static final List<String> SESSIONS = List.of("s-old-" + RUN, "s-new-" + RUN, "s-mid-" + RUN);
  private static final String UMO = "webchat:FriendMessage:webchat!" + ALICE + "!" + SESSIONS.get(1);

  private static Vertx vertx;
  private static FakeOpenAi llm;
  private static Path astrbot;
  private static Path confDir;
  private static TestNode node;

  private static String rawKey() {
    byte[] b = new byte[32];
    RANDOM.nextBytes(b);
    return "abk_" + Base64.getUrlEncoder().withoutPadding().encodeToString(b);
  }

  @BeforeAll
  static void setUp() throws Exception {
    vertx = Vertx.vertx();
    llm = TestNode.await(FakeOpenAi.start(vertx));
    llm.script(FakeReply.tokens("You ", "are ", "Ada."));
    Path root = Files.createTempDirectory("astrgate-import");
    astrbot = Files.createDirectories(root.resolve("AstrBot").resolve("data"));
    confDir = root.resolve("gateway").resolve("conf");
    buildAstrBotData(astrbot);
  }

  @AfterAll
  static void tearDown() {
    if (node != null) {
      node.close();
    }
    TestNode.await(llm.close());
    TestNode.await(vertx.close());
  }

  // ---- the AstrBot side ----

  static void buildAstrBotData(Path data) throws Exception {
    String shipped = Files.readString(Path.of("src/test/resources/astrbot/cmd_config.json"), StandardCharsets.UTF_8);
    JsonObject cmd = new JsonObject(shipped.replaceFirst("^\uFEFF", ""));
    cmd.put("provider_sources", new JsonArray().add(new JsonObject().put("id", "openai_src").put("type", "openai_chat_completion")
        .put("provider_type", "chat_completion").put("enable", true).put("key", new JsonArray().add("sk-upstream"))
        .put("api_base", llm.baseUrl()).put("timeout", 20).put("proxy", "").put("custom_headers", new JsonObject())));
    cmd.put("provider", new JsonArray().add(new JsonObject().put("id", "openai_src/gpt-4o-mini").put("provider_source_id", "openai_src")
        .put("model", "gpt-4o-mini").put("enable", true).put("modalities", new JsonArray().add("text"))));
    cmd.getJsonObject("provider_settings").put("default_provider_id", "openai_src/gpt-4o-mini");
    // As AstrBot saves it: utf-8-sig, indent 2.
    Files.write(data.resolve("cmd_config.json"), ("\uFEFF" + cmd.encodePrettily()).getBytes(StandardCharsets.UTF_8));
    Files.createDirectories(data.resolve("config"));
    Files.writeString(data.resolve("config").resolve("abconf_" + EXTRA_CONF + ".json"),
        cmd.copy().put("provider_settings", cmd.getJsonObject("provider_settings").copy().put("streaming_response", true)).encodePrettily());
    Files.createDirectories(data.resolve("attachments"));
    Files.write(data.resolve("attachments").resolve("pic.png"), new byte[] {(byte) 0x89, 'P', 'N', 'G', 1, 2, 3});

    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + data.resolve("data_v4.db"));
         Statement s = c.createStatement()) {
      for (String ddl : UPSTREAM_DDL) {
        s.execute(ddl);
      }
      key(c, "active", ACTIVE, "[\"chat\", \"config\", \"file\", \"im\"]", "2026-01-05 10:00:00.250000", "2099-01-01 00:00:00", null);
      key(c, "revoked", REVOKED, null, "2026-01-05 10:00:00", null, "2026-01-06 00:00:00");
      key(c, "expired", EXPIRED, null, null, "2026-01-01 00:00:00", null);
      key(c, "scoped", SCOPED, "[\"im\"]", "2026-01-07 08:30:00", null, null);
      key(c, "never used", NEVER_USED, null, null, null, null);
      key(c, "dormant", DORMANT, "[\"chat\"]", null, null, null);

      String[] updated = {"2026-01-01 09:00:00", "2026-01-03 09:00:00.123456", "2026-01-02 09:00:00"};
      for (int i = 0; i < SESSIONS.size(); i++) {
        exec(c, "INSERT INTO platform_sessions (session_id, platform_id, creator, display_name, is_group, created_at, updated_at)"
            + " VALUES (?, 'webchat', ?, ?, 0, '2026-01-01 08:00:00', ?)", SESSIONS.get(i), ALICE, i == 1 ? "About Ada" : null, updated[i]);
      }
      exec(c, "INSERT INTO platform_sessions (session_id, platform_id, creator, display_name, is_group, created_at, updated_at)"
          + " VALUES (?, 'aiocqhttp', ?, NULL, 1, '2026-01-01 08:00:00', '2026-01-01 08:00:00')", "qq-group-" + RUN, "qq-" + RUN);
      String sid = SESSIONS.get(1);
      exec(c, "INSERT INTO platform_message_history (platform_id, user_id, sender_id, sender_name, content, created_at, updated_at)"
          + " VALUES ('webchat', ?, ?, ?, ?, '2026-01-03 09:00:01', '2026-01-03 09:00:01')", sid, ALICE, ALICE,
          "{\"type\": \"user\", \"message\": [{\"type\": \"plain\", \"text\": \"my name is Ada\"}]}");
      exec(c, "INSERT INTO platform_message_history (platform_id, user_id, sender_id, sender_name, content, created_at, updated_at)"
          + " VALUES ('webchat', ?, 'bot', 'bot', ?, '2026-01-03 09:00:02', '2026-01-03 09:00:02')", sid,
          "{\"type\": \"bot\", \"message\": [{\"type\": \"plain\", \"text\": \"Hello Ada\"}]}");
      String conv = UUID.randomUUID().toString();
      exec(c, "INSERT INTO conversations (conversation_id, platform_id, user_id, content, title, persona_id, token_usage,"
          + " created_at, updated_at) VALUES (?, 'webchat', ?, ?, NULL, NULL, 42, '2026-01-03 09:00:01', '2026-01-03 09:00:02')",
          conv, UMO, "[{\"role\": \"user\", \"content\": \"my name is Ada\"}, {\"role\": \"assistant\", \"content\": \"Hello Ada\"}]");
      exec(c, "INSERT INTO preferences (scope, scope_id, key, value, created_at, updated_at) VALUES ('umo', ?, 'sel_conv_id', ?,"
          + " '2026-01-03 09:00:01', '2026-01-03 09:00:01')", UMO, "{\"val\": \"" + conv + "\"}");
      exec(c, "INSERT INTO preferences (scope, scope_id, key, value, created_at, updated_at) VALUES ('global', 'global',"
          + " 'abconf_mapping', ?, '2026-01-01 08:00:00', '2026-01-01 08:00:00')",
          "{\"val\": {\"" + EXTRA_CONF + "\": {\"name\": \"Streaming " + RUN + "\", \"path\": \"abconf_" + EXTRA_CONF + ".json\"}}}");
      exec(c, "INSERT INTO preferences (scope, scope_id, key, value, created_at, updated_at) VALUES ('global', 'global',"
          + " 'umop_config_routing', ?, '2026-01-01 08:00:00', '2026-01-01 08:00:00')",
          "{\"val\": {\"webchat:FriendMessage:webchat!" + ALICE + "!" + SESSIONS.get(2) + "\": \"" + EXTRA_CONF + "\"}}");
      exec(c, "INSERT INTO attachments (attachment_id, path, type, mime_type, created_at, updated_at)"
          + " VALUES (?, ?, 'image', 'image/png', '2026-01-03 09:00:00', '2026-01-03 09:00:00')", PRESENT_ATT,
          data.resolve("attachments").resolve("pic.png").toAbsolutePath().toString());
      exec(c, "INSERT INTO attachments (attachment_id, path, type, mime_type, created_at, updated_at)"
          + " VALUES (?, 'data/attachments/gone.jpg', 'image', 'image/jpeg', '2026-01-03 09:00:00', '2026-01-03 09:00:00')", MISSING_ATT);
    }
  }

  /** Upstream's tables as SQLModel creates them in SQLite (types per ASTRBOT.md §10). */
  static final List<String> UPSTREAM_DDL = List.of(
      "CREATE TABLE api_keys (inner_id INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT, key_id VARCHAR(36) NOT NULL UNIQUE,"
          + " name VARCHAR(255) NOT NULL, key_hash VARCHAR(128) NOT NULL UNIQUE, key_prefix VARCHAR(24) NOT NULL, scopes JSON,"
          + " created_by VARCHAR(255) NOT NULL, last_used_at DATETIME, expires_at DATETIME, revoked_at DATETIME,"
          + " created_at DATETIME NOT NULL, updated_at DATETIME NOT NULL)",
      "CREATE TABLE platform_sessions (inner_id INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT, session_id VARCHAR(100) NOT NULL UNIQUE,"
          + " platform_id VARCHAR NOT NULL, creator VARCHAR NOT NULL, display_name VARCHAR(255), is_group INTEGER NOT NULL,"
          + " created_at DATETIME NOT NULL, updated_at DATETIME NOT NULL)",
      "CREATE TABLE attachments (inner_attachment_id INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT, attachment_id VARCHAR(36) NOT NULL UNIQUE,"
          + " path VARCHAR NOT NULL, type VARCHAR NOT NULL, mime_type VARCHAR NOT NULL, created_at DATETIME NOT NULL,"
          + " updated_at DATETIME NOT NULL)",
      "CREATE TABLE platform_message_history (id INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT, platform_id VARCHAR NOT NULL,"
          + " user_id VARCHAR NOT NULL, sender_id VARCHAR, sender_name VARCHAR, content JSON NOT NULL,"
          + " created_at DATETIME NOT NULL, updated_at DATETIME NOT NULL)",
      "CREATE TABLE conversations (inner_conversation_id INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,"
          + " conversation_id VARCHAR(36) NOT NULL UNIQUE, platform_id VARCHAR NOT NULL, user_id VARCHAR NOT NULL, content JSON,"
          + " title VARCHAR(255), persona_id VARCHAR, token_usage INTEGER NOT NULL, created_at DATETIME NOT NULL,"
          + " updated_at DATETIME NOT NULL)",
      "CREATE TABLE preferences (id INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT, scope VARCHAR NOT NULL, scope_id VARCHAR NOT NULL,"
          + " key VARCHAR NOT NULL, value JSON NOT NULL, created_at DATETIME NOT NULL, updated_at DATETIME NOT NULL,"
          + " UNIQUE (scope, scope_id, key))",
      "CREATE TABLE session_project_relations (id INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT, session_id VARCHAR(100) NOT NULL UNIQUE,"
          + " project_id VARCHAR(36) NOT NULL)");

  private static void key(Connection c, String name, String raw, String scopes, String lastUsed, String expires, String revoked)
      throws Exception {
    exec(c, "INSERT INTO api_keys (key_id, name, key_hash, key_prefix, scopes, created_by, last_used_at, expires_at, revoked_at,"
            + " created_at, updated_at) VALUES (?, ?, ?, ?, ?, 'astrbot', ?, ?, ?, '2026-01-01 08:00:00', '2026-01-01 08:00:00')",
        UUID.randomUUID().toString(), name + " " + RUN, LegacyKeys.pbkdf2Hex(raw), raw.substring(0, 12), scopes, lastUsed, expires, revoked);
  }

  private static void exec(Connection c, String sql, Object... args) throws Exception {
    try (PreparedStatement p = c.prepareStatement(sql)) {
      for (int i = 0; i < args.length; i++) {
        p.setObject(i + 1, args[i]);
      }
      p.executeUpdate();
    }
  }

  // ---- running the command ----

  record Run(int code, String out, String err) {
  }

  static Run importCommand(Path dir, String... extra) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cli = new CommandLine(new Main());
    cli.setOut(new PrintWriter(out, true));
    cli.setErr(new PrintWriter(err, true));
    List<String> args = new ArrayList<>(List.of("import", "astrbot", dir.toString(), "--database-url", TestDatabase.url(),
        "--conf-dir", confDir.toString()));
    args.addAll(List.of(extra));
    int code = cli.execute(args.toArray(String[]::new));
    return new Run(code, out.toString(), err.toString());
  }

  private static HttpResponse<String> get(String path, String key) throws Exception {
    return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + node.port() + path)).header("X-API-Key", key)
        .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
  }

  private static long count(String sql, Object... args) {
    return TestNode.await(node.pool().preparedQuery(sql).execute(Tuple.from(args))).iterator().next().getLong(0);
  }

  /** Rows this test's AstrBot directory can have produced, table by table. */
  private static List<Long> footprint() {
    return List.of(
        count("SELECT count(*) FROM api_keys WHERE name LIKE $1", "% " + RUN),
        count("SELECT count(*) FROM platform_sessions WHERE creator IN ($1, $2)", ALICE, "qq-" + RUN),
        count("SELECT count(*) FROM platform_message_history WHERE user_id = $1", SESSIONS.get(1)),
        count("SELECT count(*) FROM conversations WHERE user_id = $1", UMO),
        count("SELECT count(*) FROM preferences WHERE scope_id = $1", UMO),
        count("SELECT count(*) FROM attachments WHERE attachment_id IN ($1, $2)", PRESENT_ATT, MISSING_ATT),
        count("SELECT count(*) FROM attachment_chunks WHERE attachment_id = $1", PRESENT_ATT));
  }

  // ---- the checks ----

  @Test
  @Order(1)
  void upstreamsHashIsReproducedExactly() {
    // Computed with Python's hashlib.pbkdf2_hmac('sha256', key, b'astrbot_api_key', 100000).hex().
    assertEquals("9ebc4ddb25e75129414841ee63b87b947edf46079cef1a290aa9e9645c3dfb89",
        LegacyKeys.pbkdf2Hex("abk_UpstreamVectorKey0123456789abcdefghijklmnopqrstu"));
  }

  @Test
  @Order(2)
  void dryRunPrintsThePlanAndWritesNothing() throws Exception {
    Run dry = importCommand(astrbot, "--dry-run");
    assertEquals(0, dry.code(), dry.err());
    assertTrue(dry.out().contains("api_keys                   6 new"), dry.out());
    assertTrue(dry.out().contains("would be written from cmd_config.json"), dry.out());
    assertTrue(dry.out().contains("missing: ") && dry.out().contains("attachment_id=" + MISSING_ATT), dry.out());
    assertFalse(Files.exists(confDir.resolve("default.json")), "dry run writes no conf file");
    // Nothing reached the database: start the node now (it needs conf/, so on the built-in default) and look.
    Files.createDirectories(confDir);
    importCommandForReal();
  }

  private static void importCommandForReal() throws Exception {
    assertEquals(0, count0("SELECT count(*) FROM api_keys WHERE name LIKE '% " + RUN + "'"), "dry run left no rows");
    Run real = importCommand(astrbot);
    assertEquals(0, real.code(), real.err());
    assertTrue(real.out().contains("platform_sessions          4 new"), real.out());
    assertTrue(real.out().contains("platform_message_history   2 new"), real.out());
    assertTrue(real.out().contains("attachments                1 new"), real.out());
    assertTrue(real.out().contains("data_v4.db: attachments row attachment_id=" + MISSING_ATT + ": file not found: data/attachments/gone.jpg"),
        real.out());
    assertTrue(Files.isRegularFile(confDir.resolve("default.json")));
    assertEquals("Streaming " + RUN, new JsonObject(Files.readString(confDir.resolve(EXTRA_CONF + ".json"))).getString("name"));
    node = TestNode.start(Map.of("ASTRGATE_CONF_DIR", confDir.toString()), new JsonObject());
  }

  /** A count straight through JDBC, for before the node runs. */
  private static long count0(String sql) throws Exception {
    String url = TestDatabase.url();
    var o = io.vertx.pgclient.PgConnectOptions.fromUri(url);
    try (Connection c = DriverManager.getConnection("jdbc:postgresql://" + o.getHost() + ":" + o.getPort() + "/" + o.getDatabase(),
        o.getUser(), o.getPassword()); var rs = c.createStatement().executeQuery(sql)) {
      rs.next();
      return rs.getLong(1);
    }
  }

  @Test
  @Order(3)
  void everyOldKeyAuthenticatesOrIsRefusedAsBefore() throws Exception {
    long before = LegacyKeys.computations();
    String sessions = "/api/v1/chat/sessions?username=" + ALICE;
    // All five first uses at once: more than the two PBKDF2 checks a node runs at a time, so some wait their turn.
    Map<String, java.util.concurrent.CompletableFuture<HttpResponse<String>>> first = new java.util.LinkedHashMap<>();
    for (String k : List.of(ACTIVE, NEVER_USED, REVOKED, EXPIRED, SCOPED)) {
      first.put(k, HTTP.sendAsync(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + node.port()
              + (k.equals(SCOPED) ? "/api/v1/im/bots" : sessions))).header("X-API-Key", k).timeout(Duration.ofSeconds(60)).build(),
          HttpResponse.BodyHandlers.ofString()));
    }
    assertEquals(200, first.get(ACTIVE).get().statusCode());
    assertEquals(200, first.get(NEVER_USED).get().statusCode());
    HttpResponse<String> revoked = first.get(REVOKED).get();
    assertEquals(401, revoked.statusCode());
    assertEquals("Invalid API key", new JsonObject(revoked.body()).getString("message"));
    assertEquals(401, first.get(EXPIRED).get().statusCode());
    assertEquals(200, first.get(SCOPED).get().statusCode());
    HttpResponse<String> scope = get(sessions, SCOPED);
    assertEquals(403, scope.statusCode());
    assertEquals("Insufficient API key scope", new JsonObject(scope.body()).getString("message"));
    long firstUses = LegacyKeys.computations() - before;
    assertEquals(5, firstUses, "one PBKDF2 per old key on its first use (revoked and expired ones too: they match)");

    // Upgraded on first use: the same raw keys now go through astrgate's hash, with no PBKDF2 at all.
    long upgraded = LegacyKeys.computations();
    assertEquals(200, get(sessions, ACTIVE).statusCode());
    assertEquals(200, get(sessions, NEVER_USED).statusCode());
    assertEquals(200, get("/api/v1/im/bots", SCOPED).statusCode());
    assertEquals(401, get(sessions, REVOKED).statusCode());
    assertEquals(401, get(sessions, EXPIRED).statusCode());
    assertEquals(upgraded, LegacyKeys.computations(), "no PBKDF2 after the upgrade, and none again for refused keys");
    assertEquals(0, count("SELECT count(*) FROM api_keys WHERE name IN ($1, $2, $3) AND key_hash LIKE 'pbkdf2:%'",
        "active " + RUN, "never used " + RUN, "scoped " + RUN));
    assertEquals(1, count("SELECT count(*) FROM api_keys WHERE name = $1 AND last_used_at IS NOT NULL"
        + " AND revoked_at IS NULL AND expires_at > now()", "active " + RUN));
  }

  @Test
  @Order(4)
  void sessionsAreListedAsBeforeAndTheChatContinuesWithTheOldContext() throws Exception {
    JsonObject data = new JsonObject(get("/api/v1/chat/sessions?username=" + ALICE, ACTIVE).body()).getJsonObject("data");
    JsonArray list = data.getJsonArray("sessions");
    List<String> order = new ArrayList<>();
    list.forEach(o -> order.add(((JsonObject) o).getString("session_id")));
    assertEquals(List.of(SESSIONS.get(1), SESSIONS.get(2), SESSIONS.get(0)), order, "newest updated_at first, as upstream");
    JsonObject newest = list.getJsonObject(0);
    assertEquals("About Ada", newest.getString("display_name"));
    assertEquals("2026-01-03T09:00:00.123456+00:00", newest.getString("updated_at"));
    assertEquals("2026-01-01T08:00:00+00:00", newest.getString("created_at"));

    int seen = llm.requests().size();
    HttpResponse<String> chat = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + node.port() + "/api/v1/chat"))
        .header("X-API-Key", ACTIVE).header("Content-Type", "application/json").timeout(Duration.ofSeconds(60))
        .POST(HttpRequest.BodyPublishers.ofString(new JsonObject().put("username", ALICE).put("session_id", SESSIONS.get(1))
            .put("message", "what is my name?").put("enable_streaming", false).encode())).build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(200, chat.statusCode(), chat.body());
    assertTrue(chat.body().contains("Ada."), chat.body());
    RecordedRequest turn = llm.requests().stream().skip(seen)
        .filter(r -> r.body().getJsonArray("messages").encode().contains("what is my name?")).findFirst().orElseThrow();
    JsonArray messages = turn.body().getJsonArray("messages");
    String all = messages.encode();
    assertTrue(all.contains("\"content\":\"my name is Ada\"") && all.contains("\"content\":\"Hello Ada\""),
        "the imported conversation is the turn's context: " + all);
    assertEquals("gpt-4o-mini", turn.body().getString("model"), "the imported cmd_config.json's provider served it");
  }

  @Test
  @Order(5)
  void configsRoutesAndAttachmentsCarriedOver() throws Exception {
    JsonArray configs = new JsonObject(get("/api/v1/configs", ACTIVE).body()).getJsonObject("data").getJsonArray("configs");
    assertTrue(configs.stream().anyMatch(o -> EXTRA_CONF.equals(((JsonObject) o).getString("id"))
        && ("Streaming " + RUN).equals(((JsonObject) o).getString("name"))), configs.encode());
    assertEquals(1, count("SELECT count(*) FROM preferences WHERE scope = 'global' AND key = 'umop_config_routing'"
        + " AND value->'val'->>$1 = $2", "webchat:FriendMessage:webchat!" + ALICE + "!" + SESSIONS.get(2), EXTRA_CONF));
    HttpResponse<byte[]> file = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + node.port()
            + "/api/v1/file?attachment_id=" + PRESENT_ATT)).header("X-API-Key", ACTIVE).build(), HttpResponse.BodyHandlers.ofByteArray());
    assertEquals(200, file.statusCode());
    assertEquals(List.of((byte) 0x89, (byte) 'P', (byte) 'N', (byte) 'G', (byte) 1, (byte) 2, (byte) 3),
        toList(file.body()));
    assertEquals(404, get("/api/v1/file?attachment_id=" + MISSING_ATT, ACTIVE).statusCode());
  }

  private static List<Byte> toList(byte[] b) {
    List<Byte> out = new ArrayList<>();
    for (byte x : b) {
      out.add(x);
    }
    return out;
  }

  @Test
  @Order(6)
  void aSecondImportChangesNothing() throws Exception {
    List<Long> before = footprint();
    String defaultConf = Files.readString(confDir.resolve("default.json"));
    Run again = importCommand(astrbot);
    assertEquals(0, again.code(), again.err());
    assertTrue(again.out().contains("api_keys                   0 new, 6 already imported"), again.out());
    assertTrue(again.out().contains("platform_message_history   0 new, 2 already imported"), again.out());
    assertTrue(again.out().contains("unchanged (from cmd_config.json)"), again.out());
    assertEquals(before, footprint());
    assertEquals(defaultConf, Files.readString(confDir.resolve("default.json")));
    // The upgraded keys still work: the import did not put their PBKDF2 rows back.
    assertEquals(200, get("/api/v1/chat/sessions?username=" + ALICE, ACTIVE).statusCode());
  }

  @Test
  @Order(7)
  void aFloodOfBadKeysWithRandomPrefixesComputesNoPbkdf2() throws Exception {
    // An imported key still awaits its first use, so the node does hold legacy prefixes.
    assertTrue(count("SELECT count(*) FROM api_keys WHERE key_hash LIKE 'pbkdf2:%'") > 0);
    long before = LegacyKeys.computations();
    for (int i = 0; i < 1000; i++) {
      HttpResponse<String> r = get("/api/v1/im/bots", rawKey());
      assertEquals(401, r.statusCode(), r.body());
    }
    assertEquals(before, LegacyKeys.computations(), "1,000 bad keys, no PBKDF2");

    // A wrong key that shares an imported key's prefix costs one PBKDF2, and the same wrong key never another.
    String lookalike = DORMANT.substring(0, 12) + rawKey().substring(12);
    assertEquals(401, get("/api/v1/im/bots", lookalike).statusCode());
    assertEquals(401, get("/api/v1/im/bots", lookalike).statusCode());
    assertEquals(before + 1, LegacyKeys.computations());
    HttpResponse<String> dormant = get("/api/v1/chat/sessions?username=" + ALICE, DORMANT);
    assertEquals(200, dormant.statusCode(), "the real key behind that prefix still works: " + dormant.body());
    assertEquals(before + 2, LegacyKeys.computations());
  }

  @Test
  @Order(8)
  void aBadRowStopsTheImportAndIsNamed() throws Exception {
    Path broken = Files.createDirectories(Files.createTempDirectory("astrgate-import-bad").resolve("data"));
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + broken.resolve("data_v4.db"));
         Statement s = c.createStatement()) {
      for (String ddl : UPSTREAM_DDL) {
        s.execute(ddl);
      }
      key(c, "fine", rawKey(), null, null, null, null);
      exec(c, "INSERT INTO api_keys (key_id, name, key_hash, key_prefix, scopes, created_by, created_at, updated_at)"
          + " VALUES ('bad-row-" + RUN + "', 'bad " + RUN + "', 'not-a-hash', 'abk_x', NULL, 'astrbot', '2026-01-01 00:00:00',"
          + " '2026-01-01 00:00:00')");
    }
    long keysBefore = count("SELECT count(*) FROM api_keys");
    Run run = importCommand(broken);
    assertEquals(1, run.code());
    assertTrue(run.err().contains(broken.resolve("data_v4.db") + ": api_keys row key_id=bad-row-" + RUN
        + ": key_hash is not upstream's 64-hex PBKDF2 hash"), run.err());
    assertEquals(keysBefore, count("SELECT count(*) FROM api_keys"), "nothing imported from a database with a bad row");
  }
}
