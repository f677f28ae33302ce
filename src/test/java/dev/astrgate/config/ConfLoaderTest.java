package dev.astrgate.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Conf files: interpolation, listing order, and errors that name file, JSON path and reason. */
class ConfLoaderTest {
  private static final Map<String, String> ENV = Map.of("OPENAI_MODEL", "llama3", "EMPTY", "");

  private static Path dirWith(String defaultJson) throws Exception {
    Path dir = Files.createTempDirectory("astrgate-conf");
    Files.writeString(dir.resolve("default.json"), defaultJson);
    return dir;
  }

  @Test
  void interpolatesStringValues() throws Exception {
    Path dir = dirWith("""
        {"provider": [{"id": "p", "model": "${OPENAI_MODEL}", "note": "${MISSING:-fallback}/${EMPTY:-x}/${EMPTY}"}]}
        """);
    JsonObject p = new ConfLoader(ENV).load(dir).defaults().json().getJsonArray("provider").getJsonObject(0);
    assertEquals("llama3", p.getString("model"));
    assertEquals("fallback/x/", p.getString("note"));
  }

  @Test
  void shippedDefaultLoadsWithoutAnyEnvironment() {
    ConfSet set = new ConfLoader(Map.of()).load(Path.of("conf"));
    assertEquals("default", set.defaults().id());
    assertEquals("https://api.openai.com/v1",
        set.defaults().json().getJsonArray("provider_sources").getJsonObject(0).getString("api_base"));
    assertEquals(List.of(), set.botIds());
  }

  @Test
  void extrasAreListedBeforeDefaultWithNameOrStem() throws Exception {
    Path dir = dirWith("{}");
    Files.writeString(dir.resolve("b-work.json"), "{\"name\": \"Work\"}");
    Files.writeString(dir.resolve("a-plain.json"), "{}");
    Files.writeString(dir.resolve("notes.txt"), "ignored");
    ConfSet set = new ConfLoader(ENV).load(dir);
    assertEquals(List.of("a-plain", "b-work", "default"), set.all().stream().map(ConfFile::id).toList());
    assertEquals(List.of("a-plain", "Work", "default"), set.all().stream().map(ConfFile::name).toList());
    assertEquals("b-work.json", set.byId("b-work").orElseThrow().path());
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', value = {
      "{\"platform\": [{\"id\": \"a\"}, {\"id\": 5}]}|$.platform[1].id|expected a string",
      "{\"platform\": {\"id\": \"a\"}}|$.platform|expected an array",
      "{\"provider\": [{\"model\": \"${NOPE}\"}]}|$.provider[0].model|environment variable NOPE is not set",
      "{\"provider_sources\": [{\"timeout\": \"soon\"}]}|$.provider_sources[0].timeout|expected a number",
      "{\"upload\": {\"max_bytes\": true}}|$.upload.max_bytes|expected a number",
      "{\"platform\": [{\"id\": \"a\",}]}|$.platform[0].id|Unexpected character",
      "{\"a\": 1, \"a\": 2}|$.a|Duplicate field",
      "[1, 2]|$|top level must be a JSON object"})
  void brokenFilesNameFilePathAndReason(String json, String path, String reason) throws Exception {
    Path dir = dirWith(json);
    ConfException e = assertThrows(ConfException.class, () -> new ConfLoader(ENV).load(dir));
    assertTrue(e.file().endsWith("default.json"), e.file());
    assertEquals(path, e.jsonPath(), e.getMessage());
    assertTrue(e.reason().contains(reason), e.reason());
    assertTrue(e.getMessage().startsWith(e.file() + ": " + path + ": "), e.getMessage());
  }

  @Test
  void missingDefaultIsExplained() throws Exception {
    Path dir = Files.createTempDirectory("astrgate-conf-empty");
    ConfException e = assertThrows(ConfException.class, () -> new ConfLoader(ENV).load(dir));
    assertTrue(e.reason().contains("file not found"));
  }

  @Test
  void apiOptionsComeFromConfAndEnvironmentWins() {
    JsonObject conf = new JsonObject().put("upload", new JsonObject().put("max_bytes", 1000))
        .put("compat", new JsonObject().put("http_200_errors", true)).put("sse", new JsonObject().put("heartbeat_seconds", 2));
    ApiOptions fromConf = ApiOptions.from(conf, Map.of());
    assertEquals(1000, fromConf.uploadMaxBytes());
    assertTrue(fromConf.http200Errors());
    assertEquals(2, fromConf.sseHeartbeatSeconds());
    ApiOptions fromEnv = ApiOptions.from(conf, Map.of("ASTRGATE_UPLOAD_MAX_BYTES", "5", "ASTRGATE_COMPAT_HTTP_200_ERRORS", "false"));
    assertEquals(5, fromEnv.uploadMaxBytes());
    assertEquals(false, fromEnv.http200Errors());
    assertEquals(ApiOptions.DEFAULT_UPLOAD_MAX, ApiOptions.from(new JsonObject(), Map.of()).uploadMaxBytes());
  }

  @Test
  void nodeOptionsDefaultsAndOverrides() {
    NodeOptions d = NodeOptions.fromEnv(Map.of());
    assertEquals(7860, d.port());
    assertTrue(d.embeddedDatabase());
    assertEquals(Path.of("./data"), d.dataDir());
    assertEquals(2 * Runtime.getRuntime().availableProcessors(), d.eventLoops(), "Vert.x's two event loops per core");
    NodeOptions o = NodeOptions.fromEnv(Map.of("ASTRGATE_PORT", "9000", "ASTRGATE_DATABASE_URL", "postgresql://u:secret@h/db",
        "ASTRGATE_CLUSTER", "true", "ASTRGATE_EVENT_LOOPS", "3"));
    assertEquals(9000, o.port());
    assertEquals(3, o.eventLoops());
    assertTrue(o.cluster());
    assertTrue(!o.toString().contains("secret"), "secrets never appear in toString");
    assertThrows(IllegalArgumentException.class, () -> NodeOptions.fromEnv(Map.of("ASTRGATE_PORT", "http")));
    assertThrows(IllegalArgumentException.class, () -> NodeOptions.fromEnv(Map.of("ASTRGATE_EVENT_LOOPS", "0")));
  }

  @Test
  void withNoConfDirectoryTheBuiltInDefaultRuns() throws Exception {
    Path nowhere = Files.createTempDirectory("astrgate-noconf").resolve("conf");
    ConfSet set = new ConfLoader(Map.of()).load(nowhere, false);
    assertEquals(ConfLoader.BUILT_IN_PATH, set.defaults().path());
    assertEquals(new ConfLoader(Map.of()).load(Path.of("conf")).defaults().json(), set.defaults().json(),
        "the built-in default is conf/default.json");
    ConfException e = assertThrows(ConfException.class, () -> new ConfLoader(Map.of()).load(nowhere, true));
    assertTrue(e.reason().contains("file not found"), "a named ASTRGATE_CONF_DIR must exist: " + e.getMessage());
  }

  @Test
  void shippedDefaultHoldsOnlyKeysAstrgateReads() {
    JsonObject shipped = new ConfLoader(Map.of()).load(Path.of("conf")).defaults().json();
    assertEquals(List.of(), ConfKeys.ignored(shipped));
    JsonObject starter = dev.astrgate.InitCommandAccess.starter();
    assertEquals(List.of(), ConfKeys.ignored(starter), "init's starter holds no key astrgate ignores");
  }

  @Test
  void unusedKeysAreListedOnceEachInFileOrder() throws Exception {
    Path dir = dirWith("""
        {"config_version": 2, "provider_settings": {"default_provider_id": "x", "web_search": false},
         "platform": [{"id": "a", "type": "telegram", "start_message": "hi"}, {"id": "b", "start_message": "yo"}],
         "dashboard": {"port": 6185}}
        """);
    JsonObject conf = new ConfLoader(ENV).load(dir).defaults().json();
    assertEquals(List.of("config_version", "provider_settings.web_search", "platform[].start_message", "dashboard"),
        ConfKeys.ignored(conf));
  }
}
