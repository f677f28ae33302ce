import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * POST /api/v1/im/message to a worker-held platform (a real Node and a real Python worker on the reference clients,
 * over the TCP bridge) next to the same for an in-JVM OneBot connection (a fake OneBot end over WebSocket): two
 * clustered nodes (own JVMs) on one embedded PostgreSQL; the OneBot end and both workers attach to node A; every
 * scenario is sent to A (the holder's node) and to B (one more event-bus hop). Reuses ImMessageBench's load loops.
 */
public class WorkerBench {
  static int seconds = Integer.getInteger("seconds", 5);
  static int rate = Integer.getInteger("rate", 500);

  public static void main(String[] args) throws Exception {
    Path root = Files.createTempDirectory("astrgate-bench-workers");
    EmbeddedPostgres pg = EmbeddedPostgres.builder().setDataDirectory(root.resolve("pg")).setCleanDataDirectory(true)
        .setServerConfig("max_connections", "100").start();
    String dbUrl = "postgresql://postgres@127.0.0.1:" + pg.getPort() + "/postgres";
    String key = "abk_" + Base64.getUrlEncoder().withoutPadding().encodeToString(new SecureRandom().generateSeed(32));
    String token = UUID.randomUUID().toString();
    Path xml = root.resolve("cluster.xml");
    Files.writeString(xml, Files.readString(Path.of("cluster.xml"))
        .replace("<cluster-name>astrgate</cluster-name>", "<cluster-name>astrgate-bench-" + UUID.randomUUID() + "</cluster-name>"));
    JsonObject conf = new JsonObject().put("platform", new JsonArray()
        .add(new JsonObject().put("id", "qq").put("type", "aiocqhttp").put("enable", true).put("ws_reverse_token", token))
        .add(new JsonObject().put("id", "wnode").put("type", "worker").put("enable", true))
        .add(new JsonObject().put("id", "wpy").put("type", "worker").put("enable", true)));
    List<Process> procs = new ArrayList<>();
    Vertx vertx = Vertx.vertx();
    try {
      int portA = ImMessageBench.freePort();
      int portB = ImMessageBench.freePort();
      int bridgeA = ImMessageBench.freePort();
      int bridgeB = ImMessageBench.freePort();
      procs.add(launch(root, "bench-a", portA, bridgeA, conf, dbUrl, key, xml));
      procs.add(launch(root, "bench-b", portB, bridgeB, conf, dbUrl, key, xml));
      ImMessageBench.awaitReady(portA, 2, procs.get(0));
      ImMessageBench.awaitReady(portB, 2, procs.get(1));
      String workerKey = platformKey(vertx, dbUrl);

      io.vertx.core.http.WebSocketClient wsClient = vertx.createWebSocketClient();
      WebSocket ws = wsClient.connect(new WebSocketConnectOptions().setHost("127.0.0.1").setPort(portA)
          .setURI("/platform/qq/ws").addHeader("X-Self-ID", "10001").addHeader("X-Client-Role", "Universal")
          .addHeader("Authorization", "Bearer " + token)).toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
      AtomicInteger ids = new AtomicInteger();
      ws.textMessageHandler(text -> ws.writeTextMessage(new JsonObject().put("status", "ok").put("retcode", 0)
          .put("data", new JsonObject().put("message_id", ids.incrementAndGet()))
          .put("echo", new JsonObject(text).getValue("echo")).encode()));
      String nodes = "127.0.0.1:" + bridgeA + ",127.0.0.1:" + bridgeB;
      procs.add(worker(root, List.of("node", "bench/worker-echo.mjs"), nodes, workerKey, "wnode"));
      procs.add(worker(root, List.of("python3", "bench/worker_echo.py"), nodes, workerKey, "wpy"));
      for (String id : List.of("qq", "wnode", "wpy")) {
        long deadline = System.currentTimeMillis() + 20_000;
        while (!"owner".equals(ImMessageBench.readyz(portA).getJsonObject("platforms").getString(id))) {
          if (System.currentTimeMillis() > deadline) {
            throw new IllegalStateException(id + " never became owned on node A");
          }
          Thread.sleep(50);
        }
      }
      HttpClient http = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true).setConnectTimeout(5_000),
          new PoolOptions().setHttp1MaxSize(64));
      Map<String, Buffer> bodies = new LinkedHashMap<>();
      bodies.put("onebot (in JVM)", body("qq:FriendMessage:12345"));
      bodies.put("node worker", body("wnode:FriendMessage:12345"));
      bodies.put("python worker", body("wpy:FriendMessage:12345"));
      System.out.println("warming up (JIT) ...");
      for (int w = 0; w < ImMessageBench.warmup; w += 2) {
        for (Map.Entry<String, Buffer> e : bodies.entrySet()) {
          System.out.printf("  %s: A %.0f/s, B %.0f/s%n", e.getKey(),
              ImMessageBench.closedLoop(http, portA, key, e.getValue(), 16, 1).perSecond(),
              ImMessageBench.closedLoop(http, portB, key, e.getValue(), 16, 1).perSecond());
        }
      }
      List<ImMessageBench.Result> results = new ArrayList<>();
      for (Map.Entry<String, Buffer> e : bodies.entrySet()) {
        results.add(ImMessageBench.closedLoop(http, portA, key, e.getValue(), 1, seconds).withTarget(e.getKey() + ", A"));
        results.add(ImMessageBench.closedLoop(http, portB, key, e.getValue(), 1, seconds).withTarget(e.getKey() + ", B"));
      }
      for (Map.Entry<String, Buffer> e : bodies.entrySet()) {
        results.add(ImMessageBench.openLoop(vertx, http, e.getKey() + ", A", portA, key, e.getValue(), rate, seconds));
        results.add(ImMessageBench.openLoop(vertx, http, e.getKey() + ", B", portB, key, e.getValue(), rate, seconds));
      }
      ImMessageBench.print(results, ids.get());
      System.out.println();
      for (int i = 2; i < 6; i++) {
        ImMessageBench.Result w = results.get(i);
        ImMessageBench.Result o = results.get(i % 2);
        System.out.printf("bridge hop at p50, 1 at a time, %-18s %6.3f ms (%s minus %s)%n", w.target() + ":",
            w.p50() - o.p50(), w.target(), o.target());
      }
      wsClient.close();
    } finally {
      ImMessageBench.shutDown(procs, vertx, pg);
    }
  }

  static Buffer body(String umo) {
    return Buffer.buffer(new JsonObject().put("umo", umo).put("message", "bench").encode());
  }

  static String platformKey(Vertx vertx, String dbUrl) throws Exception {
    String raw = dev.astrgate.auth.KeyMaterial.newRawKey();
    io.vertx.sqlclient.Pool pool = dev.astrgate.store.StoreVerticle.createPool(vertx,
        io.vertx.pgclient.PgConnectOptions.fromUri(dbUrl), 1);
    new dev.astrgate.store.KeyRepository(pool).insert(new dev.astrgate.store.KeyRepository.NewKey("bench workers",
            dev.astrgate.auth.KeyMaterial.hash(raw), dev.astrgate.auth.KeyMaterial.prefix(raw), List.of("platform"),
            "bench", null, null))
        .eventually(pool::close).toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    return raw;
  }

  static Process worker(Path root, List<String> cmd, String nodes, String key, String platform) throws Exception {
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
        .redirectOutput(root.resolve(platform + ".log").toFile());
    pb.environment().putAll(Map.of("NODES", nodes, "KEY", key, "PLATFORM", platform));
    return pb.start();
  }

  static Process launch(Path root, String name, int port, int bridgePort, JsonObject conf, String dbUrl, String key,
                        Path xml) throws Exception {
    Path dir = Files.createDirectories(root.resolve(name));
    Path confDir = Files.createDirectories(dir.resolve("conf"));
    Files.writeString(confDir.resolve("default.json"), conf.encodePrettily());
    List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx512m"));
    cmd.addAll(ImMessageBench.JVM_FLAGS);
    cmd.addAll(List.of("-jar", "target/astrgate.jar"));
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(dir.resolve("node.log").toFile());
    Map<String, String> env = pb.environment();
    env.keySet().removeIf(k -> k.startsWith("ASTRGATE_"));
    env.putAll(Map.of("ASTRGATE_PORT", Integer.toString(port), "ASTRGATE_HOST", "127.0.0.1",
        "ASTRGATE_DATA_DIR", dir.resolve("data").toString(), "ASTRGATE_CONF_DIR", confDir.toString(),
        "ASTRGATE_DATABASE_URL", dbUrl, "ASTRGATE_CLUSTER", "true", "ASTRGATE_CLUSTER_CONFIG", xml.toString(),
        "ASTRGATE_NODE_NAME", name, "ASTRGATE_BOOTSTRAP_KEY", key,
        "ASTRGATE_BRIDGE_PORT", Integer.toString(bridgePort)));
    return pb.start();
  }
}
