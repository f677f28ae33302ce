import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * POST /api/v1/im/message to a connected fake OneBot v11 end: two clustered nodes (own JVMs) sharing an embedded
 * PostgreSQL; the fake dials node A. Each scenario runs once against A (the owner, in-node send) and once against
 * B (the send crosses to A over the event bus): a fixed rate (open loop, latency from the intended send time, so a
 * stall is not hidden) and closed-loop maximum throughput. Prints one side-by-side table.
 */
public class ImMessageBench {
  static final List<String> JVM_FLAGS = List.of("--add-modules", "java.se",
      "--add-exports", "java.base/jdk.internal.ref=ALL-UNNAMED", "--add-opens", "java.base/java.lang=ALL-UNNAMED",
      "--add-opens", "java.base/sun.nio.ch=ALL-UNNAMED", "--add-opens", "java.management/sun.management=ALL-UNNAMED",
      "--add-opens", "jdk.management/com.sun.management.internal=ALL-UNNAMED");

  static int rate = Integer.getInteger("rate", 1000);
  static int seconds = Integer.getInteger("seconds", 10);
  static int concurrency = Integer.getInteger("concurrency", 64);
  static int warmup = Integer.getInteger("warmup", 20);
  static final java.util.concurrent.atomic.AtomicReference<String> FIRST_ERROR = new java.util.concurrent.atomic.AtomicReference<>();

  record Result(String target, String mode, long sent, long ok, long errors, double perSecond, double p50, double p99,
                double max) {
    Result withTarget(String t) {
      return new Result(t, mode, sent, ok, errors, perSecond, p50, p99, max);
    }
  }

  public static void main(String[] args) throws Exception {
    Path root = Files.createTempDirectory("astrgate-bench");
    EmbeddedPostgres pg = EmbeddedPostgres.builder().setDataDirectory(root.resolve("pg")).setCleanDataDirectory(true)
        .setServerConfig("max_connections", "100").start();
    String dbUrl = "postgresql://postgres@127.0.0.1:" + pg.getPort() + "/postgres";
    String key = "abk_" + Base64.getUrlEncoder().withoutPadding().encodeToString(new SecureRandom().generateSeed(32));
    String token = UUID.randomUUID().toString();
    Path xml = root.resolve("cluster.xml");
    Files.writeString(xml, Files.readString(Path.of("cluster.xml"))
        .replace("<cluster-name>astrgate</cluster-name>", "<cluster-name>astrgate-bench-" + UUID.randomUUID() + "</cluster-name>"));
    JsonObject conf = new JsonObject().put("platform", new JsonArray().add(new JsonObject().put("id", "qq")
        .put("type", "aiocqhttp").put("enable", true).put("ws_reverse_token", token)));
    List<Process> procs = new ArrayList<>();
    Vertx vertx = Vertx.vertx();
    try {
      int portA = freePort();
      int portB = freePort();
      procs.add(launch(root, "bench-a", portA, conf, dbUrl, key, xml));
      procs.add(launch(root, "bench-b", portB, conf, dbUrl, key, xml));
      awaitReady(portA, 2, procs.get(0));
      awaitReady(portB, 2, procs.get(1));
      AtomicLong actions = new AtomicLong();
      // Keep the client referenced: Vert.x 5 closes clients that become unreachable, connections included.
      io.vertx.core.http.WebSocketClient wsClient = vertx.createWebSocketClient();
      WebSocket ws = wsClient.connect(new WebSocketConnectOptions().setHost("127.0.0.1").setPort(portA)
          .setURI("/platform/qq/ws").addHeader("X-Self-ID", "10001").addHeader("X-Client-Role", "Universal")
          .addHeader("Authorization", "Bearer " + token)).toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
      AtomicInteger ids = new AtomicInteger();
      ws.textMessageHandler(text -> {
        JsonObject call = new JsonObject(text);
        actions.incrementAndGet();
        ws.writeTextMessage(new JsonObject().put("status", "ok").put("retcode", 0)
            .put("data", new JsonObject().put("message_id", ids.incrementAndGet())).put("echo", call.getValue("echo")).encode());
      });
      long deadline = System.currentTimeMillis() + 10_000;
      while (!"owner".equals(readyz(portA).getJsonObject("platforms").getString("qq"))) {
        if (System.currentTimeMillis() > deadline) {
          throw new IllegalStateException("fake OneBot end never became the owner on node A");
        }
        Thread.sleep(50);
      }
      HttpClient http = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true).setConnectTimeout(5_000),
          new PoolOptions().setHttp1MaxSize(Math.max(concurrency, 64)));
      Buffer body = Buffer.buffer(new JsonObject().put("umo", "qq:FriendMessage:12345").put("message", "bench").encode());
      System.out.println("warming up (JIT) ...");
      // Both paths, interleaved, until the JIT has settled (C2 compiles steal CPU long after the first seconds).
      for (int w = 0; w < warmup; w += 2) {
        closedLoop(http, portA, key, body, 16, 1);
        closedLoop(http, portB, key, body, 16, 1);
      }
      List<Result> results = new ArrayList<>();
      results.add(closedLoop(http, portA, key, body, 1, Math.max(3, seconds / 2)).withTarget("A (owner)"));
      results.add(closedLoop(http, portB, key, body, 1, Math.max(3, seconds / 2)).withTarget("B (other node)"));
      results.add(openLoop(vertx, http, "A (owner)", portA, key, body, rate, seconds));
      results.add(openLoop(vertx, http, "B (other node)", portB, key, body, rate, seconds));
      results.add(closedLoop(http, portA, key, body, concurrency, seconds).withTarget("A (owner)"));
      results.add(closedLoop(http, portB, key, body, concurrency, seconds).withTarget("B (other node)"));
      print(results, actions.get());
      wsClient.close();
    } finally {
      shutDown(procs, vertx, pg);
    }
  }

  /** Stops the node processes (TERM, then KILL after 20 s), then the generator's Vert.x and PostgreSQL. */
  static void shutDown(List<Process> procs, Vertx vertx, EmbeddedPostgres pg) throws Exception {
    for (Process p : procs) {
      p.destroy();
    }
    for (Process p : procs) {
      if (!p.waitFor(20, TimeUnit.SECONDS)) {
        p.destroyForcibly();
      }
    }
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    pg.close();
  }

  static Process launch(Path root, String name, int port, JsonObject conf, String dbUrl, String key, Path xml) throws Exception {
    Path dir = Files.createDirectories(root.resolve(name));
    Path confDir = Files.createDirectories(dir.resolve("conf"));
    Files.writeString(confDir.resolve("default.json"), conf.encodePrettily());
    List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx512m"));
    cmd.addAll(JVM_FLAGS);
    String extra = System.getProperty("nodeJvmOpts", "").strip();
    if (!extra.isEmpty()) {
      cmd.addAll(List.of(extra.replace("{dir}", dir.toString()).split("\\s+")));
    }
    cmd.addAll(List.of("-jar", "target/astrgate.jar"));
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(dir.resolve("node.log").toFile());
    Map<String, String> env = pb.environment();
    env.keySet().removeIf(k -> k.startsWith("ASTRGATE_"));
    env.put("ASTRGATE_PORT", Integer.toString(port));
    env.put("ASTRGATE_HOST", "127.0.0.1");
    env.put("ASTRGATE_DATA_DIR", dir.resolve("data").toString());
    env.put("ASTRGATE_CONF_DIR", confDir.toString());
    env.put("ASTRGATE_DATABASE_URL", dbUrl);
    env.put("ASTRGATE_CLUSTER", "true");
    env.put("ASTRGATE_CLUSTER_CONFIG", xml.toString());
    env.put("ASTRGATE_NODE_NAME", name);
    env.put("ASTRGATE_BOOTSTRAP_KEY", key);
    return pb.start();
  }

  static JsonObject readyz(int port) {
    try {
      HttpResponse<String> r = java.net.http.HttpClient.newHttpClient().send(
          HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/readyz")).build(), HttpResponse.BodyHandlers.ofString());
      return new JsonObject(r.body()).put("http_status", r.statusCode());
    } catch (Exception e) {
      return null;
    }
  }

  static void awaitReady(int port, int members, Process p) throws Exception {
    long deadline = System.currentTimeMillis() + 120_000;
    while (true) {
      JsonObject r = readyz(port);
      if (r != null && r.getInteger("http_status") == 200 && r.getJsonObject("cluster").getInteger("members") == members) {
        return;
      }
      if (!p.isAlive() || System.currentTimeMillis() > deadline) {
        throw new IllegalStateException("node on port " + port + " not ready: " + r);
      }
      Thread.sleep(100);
    }
  }

  static Future<Integer> post(HttpClient http, int port, String key, Buffer body) {
    return http.request(new RequestOptions().setMethod(HttpMethod.POST).setHost("127.0.0.1").setPort(port)
            .setURI("/api/v1/im/message").putHeader("X-API-Key", key).putHeader("Content-Type", "application/json")
            .setIdleTimeout(30_000))
        .compose(req -> req.send(body)).compose(resp -> resp.body().map(b -> {
          if (resp.statusCode() != 200 && FIRST_ERROR.compareAndSet(null, resp.statusCode() + " " + b)) {
            System.out.println("  first error: " + FIRST_ERROR.get());
          }
          return resp.statusCode();
        }))
        .onFailure(err -> {
          if (FIRST_ERROR.compareAndSet(null, err.toString())) {
            System.out.println("  first error: " + err);
          }
        });
  }

  /**
   * Sends at a fixed rate whatever the answers do; latency counts from when each send was due, so a stall anywhere
   * (including in this generator) shows up instead of being hidden. A pacer thread hands each due send to one
   * event-loop context; {@code lateness} reports how late the generator itself was.
   */
  static Result openLoop(Vertx vertx, HttpClient http, String target, int port, String key, Buffer body, int rate, int secs)
      throws Exception {
    int total = rate * secs;
    long[] lat = new long[total];
    long[] late = new long[total];
    AtomicInteger done = new AtomicInteger();
    AtomicInteger ok = new AtomicInteger();
    CompletableFuture<Void> finished = new CompletableFuture<>();
    io.vertx.core.Context ctx = vertx.getOrCreateContext();
    long start = System.nanoTime() + 5_000_000;
    long intervalNs = 1_000_000_000L / rate;
    Thread pacer = new Thread(() -> {
      for (int i = 0; i < total; i++) {
        long due = start + i * intervalNs;
        long wait;
        while ((wait = due - System.nanoTime()) > 0) {
          java.util.concurrent.locks.LockSupport.parkNanos(wait);
        }
        int idx = i;
        ctx.runOnContext(v -> {
          late[idx] = System.nanoTime() - due;
          post(http, port, key, body).onComplete(ar -> {
            lat[idx] = System.nanoTime() - due;
            if (ar.succeeded() && ar.result() == 200) {
              ok.incrementAndGet();
            }
            if (done.incrementAndGet() == total) {
              finished.complete(null);
            }
          });
        });
      }
    }, "pacer");
    pacer.setDaemon(true);
    pacer.start();
    finished.get(secs + 60L, TimeUnit.SECONDS);
    double elapsed = (System.nanoTime() - start) / 1e9;
    Arrays.sort(lat);
    Arrays.sort(late);
    System.out.printf("  %s %d/s: generator lateness p50 %.2f ms, p99 %.2f ms%n", target, rate, ms(late[total / 2]),
        ms(late[(int) (total * 0.99)]));
    return new Result(target, rate + "/s fixed", total, ok.get(), total - ok.get(), total / elapsed,
        ms(lat[total / 2]), ms(lat[(int) (total * 0.99)]), ms(lat[total - 1]));
  }

  /** {@code conc} requests always in flight for {@code secs} seconds. */
  static Result closedLoop(HttpClient http, int port, String key, Buffer body, int conc, int secs) throws Exception {
    long end = System.nanoTime() + secs * 1_000_000_000L;
    long[] lat = new long[4_000_000];
    AtomicInteger n = new AtomicInteger();
    AtomicInteger ok = new AtomicInteger();
    AtomicInteger active = new AtomicInteger(conc);
    CompletableFuture<Void> finished = new CompletableFuture<>();
    long t0 = System.nanoTime();
    for (int c = 0; c < conc; c++) {
      loop(http, port, key, body, end, lat, n, ok, active, finished);
    }
    finished.get(secs + 60L, TimeUnit.SECONDS);
    double elapsed = (System.nanoTime() - t0) / 1e9;
    int count = Math.min(n.get(), lat.length);
    long[] l = Arrays.copyOf(lat, count);
    Arrays.sort(l);
    return new Result("", conc == 1 ? "1 at a time" : "max, " + conc + " in flight", count, ok.get(), count - ok.get(), count / elapsed,
        ms(l[count / 2]), ms(l[(int) (count * 0.99)]), ms(l[count - 1]));
  }

  static void loop(HttpClient http, int port, String key, Buffer body, long end, long[] lat, AtomicInteger n,
                   AtomicInteger ok, AtomicInteger active, CompletableFuture<Void> finished) {
    if (System.nanoTime() >= end) {
      if (active.decrementAndGet() == 0) {
        finished.complete(null);
      }
      return;
    }
    long t = System.nanoTime();
    post(http, port, key, body).onComplete(ar -> {
      int i = n.getAndIncrement();
      if (i < lat.length) {
        lat[i] = System.nanoTime() - t;
      }
      if (ar.succeeded() && ar.result() == 200) {
        ok.incrementAndGet();
      }
      loop(http, port, key, body, end, lat, n, ok, active, finished);
    });
  }

  static double ms(long nanos) {
    return nanos / 1e6;
  }

  static void print(List<Result> results, long actions) {
    System.out.println();
    System.out.printf("%-16s %-18s %8s %8s %7s %10s %9s %9s %9s%n", "sent to", "load", "requests", "ok", "errors",
        "sends/s", "p50 ms", "p99 ms", "max ms");
    for (Result r : results) {
      System.out.printf("%-16s %-18s %8d %8d %7d %10.0f %9.2f %9.2f %9.2f%n", r.target(), r.mode(), r.sent(), r.ok(),
          r.errors(), r.perSecond(), r.p50(), r.p99(), r.max());
    }
    System.out.printf("%nOneBot actions received by the fake end: %d (includes warm-up)%n", actions);
    System.out.printf("machine: %d cores; nodes A and B, the load generator, the fake end and PostgreSQL share them%n",
        Runtime.getRuntime().availableProcessors());
  }

  static int freePort() throws Exception {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }
}
