package dev.astrgate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.astrgate.config.NodeOptions;
import dev.astrgate.support.TestNode;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import picocli.CommandLine;

/**
 * The embedded default end to end: a node with no database URL (on the native transport), the key banner, the
 * bootstrap key, the keys CLI beside a running node and without one, revocation reaching the node, and data surviving
 * a restart.
 */
@ExtendWith(VertxExtension.class)
class EmbeddedNodeAndKeysTest {

  record Run(int code, String out, String err) {
    String lastLine() {
      String[] lines = out.strip().split("\n");
      return lines[lines.length - 1].strip();
    }
  }

  static Run cli(Path dataDir, String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    List<String> all = new ArrayList<>(List.of(args));
    all.add("--data-dir");
    all.add(dataDir.toString());
    int code = new CommandLine(new Main()).setOut(new PrintWriter(out, true)).setErr(new PrintWriter(err, true))
        .execute(all.toArray(String[]::new));
    return new Run(code, out.toString(), err.toString());
  }

  static Node startEmbedded(Path dir, int port, List<String> generated, String bootstrap) throws Exception {
    Path conf = Files.createDirectories(dir.resolve("conf"));
    Files.writeString(conf.resolve("default.json"), TestNode.defaultConf().encode());
    Map<String, String> env = new HashMap<>();
    env.put("ASTRGATE_PORT", Integer.toString(port));
    env.put("ASTRGATE_HOST", "127.0.0.1");
    env.put("ASTRGATE_DATA_DIR", dir.resolve("data").toString());
    env.put("ASTRGATE_CONF_DIR", conf.toString());
    env.put("ASTRGATE_HTTP_INSTANCES", "1");
    env.put("ASTRGATE_SHUTDOWN_GRACE_SECONDS", "1");
    if (bootstrap != null) {
      env.put("ASTRGATE_BOOTSTRAP_KEY", bootstrap);
    }
    return Node.start(NodeOptions.fromEnv(env), env, generated::add).toCompletionStage().toCompletableFuture()
        .get(90, TimeUnit.SECONDS);
  }

  static int status(WebClient client, int port, String key) {
    HttpResponse<Buffer> r = TestNode.await(client.get(port, "127.0.0.1", "/api/v1/im/bots").putHeader("X-API-Key", key).send());
    return r.statusCode();
  }

  @Test
  @Timeout(value = 240, timeUnit = TimeUnit.SECONDS)
  void embeddedLifecycleWithKeysCli(Vertx vertx) throws Exception {
    Path dir = Files.createTempDirectory("astrgate-embedded");
    Path data = dir.resolve("data");
    int port = TestNode.freePort();
    WebClient client = WebClient.create(vertx);
    List<String> generated = new ArrayList<>();

    Node node = startEmbedded(dir, port, generated, null);
    String generatedKey;
    try {
      assertEquals(1, generated.size(), "a node with no keys creates exactly one");
      generatedKey = generated.get(0);
      assertTrue(generatedKey.matches("abk_[A-Za-z0-9_-]{43}"), generatedKey);
      assertEquals(200, TestNode.await(client.get(port, "127.0.0.1", "/readyz").send()).statusCode());
      assertTrue(node.vertx().isNativeTransportEnabled(), "the node runs on Netty's native transport, not NIO");
      assertEquals(200, status(client, port, generatedKey));

      // keys create beside the running node, on the same data directory.
      Run created = cli(data, "keys", "create", "--name", "ci", "--scopes", "im,bogus,im", "--username", "carol",
          "--expires-in-days", "3");
      assertEquals(0, created.code(), created.err());
      String key = created.lastLine();
      assertTrue(key.matches("abk_[A-Za-z0-9_-]{43}"), created.out());
      assertTrue(created.out().contains("scopes:   im\n"), created.out());
      assertEquals(200, status(client, port, key));

      Run list = cli(data, "keys", "list");
      assertEquals(0, list.code(), list.err());
      assertTrue(list.out().contains("ci"));
      assertTrue(list.out().contains("carol"));
      assertTrue(list.out().contains(key.substring(0, 12)));
      assertFalse(list.out().contains(key), "list must never show a key");
      assertFalse(list.out().contains(generatedKey));
      String keyId = list.out().lines().filter(l -> l.contains(key.substring(0, 12))).findFirst().orElseThrow().split("\\s+")[0];

      Run revoked = cli(data, "keys", "revoke", keyId);
      assertEquals(0, revoked.code(), revoked.err());
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
      int st = 200;
      while (System.nanoTime() < deadline && (st = status(client, port, key)) != 401) {
        Thread.sleep(100);
      }
      assertEquals(401, st, "a revoked key must stop working within 5 s");
      Run again = cli(data, "keys", "revoke", keyId);
      assertEquals(1, again.code());
      assertTrue(again.err().contains("already revoked"), again.err());
      Run unknown = cli(data, "keys", "revoke", "00000000-0000-0000-0000-000000000000");
      assertEquals(1, unknown.code());
      assertTrue(unknown.err().contains("API key not found"), unknown.err());
    } finally {
      node.stop().get(60, TimeUnit.SECONDS);
    }

    // With no node running the CLI starts the embedded server itself, and stops it again.
    Run offline = cli(data, "keys", "create", "--name", "offline", "--scopes", "chat,im");
    assertEquals(0, offline.code(), offline.err());
    String offlineKey = offline.lastLine();

    // Restart: keys survive, no new key is generated, the bootstrap key is stored once.
    String bootstrap = "abk_" + "B".repeat(43);
    generated.clear();
    Node second = startEmbedded(dir, port, generated, bootstrap);
    try {
      assertTrue(generated.isEmpty(), "keys exist, so none is generated");
      assertEquals(200, status(client, port, generatedKey));
      assertEquals(200, status(client, port, offlineKey));
      assertEquals(200, status(client, port, bootstrap));
    } finally {
      second.stop().get(60, TimeUnit.SECONDS);
    }
    Run list = cli(data, "keys", "list");
    assertEquals(1, list.out().lines().filter(l -> l.contains(" bootstrap ")).count(), list.out());
  }

  @Test
  void createValidatesLikeUpstream() throws Exception {
    Path data = Files.createTempDirectory("astrgate-cli").resolve("data");
    Run none = cli(data, "keys", "create", "--scopes", "admin,root");
    assertEquals(2, none.code());
    assertEquals("At least one valid scope is required", none.err().strip());
    Run notInt = cli(data, "keys", "create", "--expires-in-days", "soon");
    assertEquals(2, notInt.code());
    assertEquals("expires_in_days must be an integer", notInt.err().strip());
    Run zero = cli(data, "keys", "create", "--expires-in-days", "0");
    assertEquals(2, zero.code());
    assertEquals("expires_in_days must be greater than 0", zero.err().strip());
    assertFalse(Files.exists(data.resolve("pg")), "validation fails before any database is touched");
    Run help = cli(data, "keys", "create", "--help");
    assertNotNull(help.out());
    assertTrue(help.out().contains("--expires-in-days"));
  }
}
