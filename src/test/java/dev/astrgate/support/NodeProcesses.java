package dev.astrgate.support;

import dev.astrgate.auth.KeyMaterial;
import dev.astrgate.cluster.ClusterSupport;
import dev.astrgate.config.NodeOptions;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Gateway nodes as separate JVMs ({@code java -cp <test classpath> dev.astrgate.Main}) on loopback, clustered over
 * TCP/IP on 127.0.0.1 under a cluster name of their own, sharing the test database; plus this JVM as a cluster
 * member (no gateway) so tests can consume addresses such as {@code chat.inbound} and read cluster maps.
 */
public final class NodeProcesses implements AutoCloseable {
  /** The flags Hazelcast asks for at start; every JVM we launch gets them. */
  public static final List<String> HAZELCAST_FLAGS = List.of("--add-modules", "java.se",
      "--add-exports", "java.base/jdk.internal.ref=ALL-UNNAMED",
      "--add-opens", "java.base/java.lang=ALL-UNNAMED",
      "--add-opens", "java.base/sun.nio.ch=ALL-UNNAMED",
      "--add-opens", "java.management/sun.management=ALL-UNNAMED",
      "--add-opens", "jdk.management/com.sun.management.internal=ALL-UNNAMED");

  /** One node JVM. */
  public static final class NodeProcess {
    public final String name;
    public final int port;
    public final Path dir;
    private final Process process;

    NodeProcess(String name, int port, Path dir, Process process) {
      this.name = name;
      this.port = port;
      this.dir = dir;
      this.process = process;
    }

    public boolean alive() {
      return process.isAlive();
    }

    /** {@code kill -9}. */
    public void kill() throws InterruptedException {
      process.destroyForcibly();
      process.waitFor();
    }

    public Path log() {
      return dir.resolve("node.log");
    }
  }

  private final Path root;
  private final Path clusterXml;
  private final String clusterName = "astrgate-test-" + UUID.randomUUID();
  /**
   * A Hazelcast port range of this cluster's own: with the default 5701 and a host-only member, a member only looks
   * at the first three ports, so clusters of other test runs on the machine could leave ours unable to meet.
   */
  private final int hazelcastBase = freeBase();
  private final String members = java.util.stream.IntStream.range(hazelcastBase, hazelcastBase + PORTS)
      .mapToObj(p -> "127.0.0.1:" + p).collect(java.util.stream.Collectors.joining(","));
  private static final int PORTS = 10;
  private final String key = KeyMaterial.newRawKey();
  private final List<NodeProcess> nodes = new ArrayList<>();
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
  private Vertx member;

  public NodeProcesses() throws IOException {
    root = Files.createTempDirectory("astrgate-cluster");
    String xml = Files.readString(Path.of("cluster.xml"))
        .replace("<cluster-name>astrgate</cluster-name>", "<cluster-name>" + clusterName + "</cluster-name>")
        .replace("<port auto-increment=\"true\" port-count=\"100\">5701</port>",
            "<port auto-increment=\"true\" port-count=\"" + PORTS + "\">" + hazelcastBase + "</port>");
    if (!xml.contains("<port auto-increment=\"true\" port-count=\"" + PORTS + "\">" + hazelcastBase + "</port>")) {
      throw new IllegalStateException("cluster.xml has no <port> line to rewrite");
    }
    clusterXml = root.resolve("cluster.xml");
    Files.writeString(clusterXml, xml);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> nodes.forEach(n -> n.process.destroyForcibly())));
  }

  /** A base port whose range of {@link #PORTS} ports is free now, picked at random above the usual ones. */
  private static int freeBase() {
    java.util.Random random = new java.util.Random();
    for (int attempt = 0; attempt < 50; attempt++) {
      int base = 20_000 + random.nextInt(2_000) * PORTS;
      boolean free = true;
      for (int p = base; p < base + PORTS && free; p++) {
        try (java.net.ServerSocket s = new java.net.ServerSocket(p, 1, java.net.InetAddress.getLoopbackAddress())) {
          s.setReuseAddress(true);
        } catch (IOException e) {
          free = false;
        }
      }
      if (free) {
        return base;
      }
    }
    throw new IllegalStateException("no free Hazelcast port range");
  }

  public String key() {
    return key;
  }

  /** Joins this JVM to the cluster (call first, from a plain thread). */
  public Vertx joinAsMember() {
    Map<String, String> env = new HashMap<>();
    env.put("ASTRGATE_CLUSTER", "true");
    env.put("ASTRGATE_CLUSTER_CONFIG", clusterXml.toString());
    env.put("ASTRGATE_CLUSTER_MEMBERS", members);
    env.put("ASTRGATE_NODE_NAME", "test-member");
    member = TestNode.await(ClusterSupport.clusteredVertx(NodeOptions.fromEnv(env)));
    return member;
  }

  /** Launches a node with {@code conf} as its default config; does not wait for it. */
  public NodeProcess launch(String name, JsonObject conf) throws IOException {
    return launch(name, conf, Map.of());
  }

  /** The same, with extra environment (for example {@code ASTRGATE_ROLES}). */
  public NodeProcess launch(String name, JsonObject conf, Map<String, String> extraEnv) throws IOException {
    Path dir = Files.createDirectories(root.resolve(name));
    Path confDir = Files.createDirectories(dir.resolve("conf"));
    Files.writeString(confDir.resolve("default.json"), conf.encodePrettily());
    int port = TestNode.freePort();
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.addAll(List.of("-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Dastrgate.access.level=WARN"));
    cmd.addAll(HAZELCAST_FLAGS);
    cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), "dev.astrgate.Main"));
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(dir.resolve("node.log").toFile());
    Map<String, String> env = pb.environment();
    env.keySet().removeIf(k -> k.startsWith("ASTRGATE_"));
    env.put("ASTRGATE_PORT", Integer.toString(port));
    env.put("ASTRGATE_HOST", "127.0.0.1");
    env.put("ASTRGATE_DATA_DIR", dir.resolve("data").toString());
    env.put("ASTRGATE_CONF_DIR", confDir.toString());
    env.put("ASTRGATE_DATABASE_URL", TestDatabase.url());
    env.put("ASTRGATE_CLUSTER", "true");
    env.put("ASTRGATE_CLUSTER_CONFIG", clusterXml.toString());
    env.put("ASTRGATE_CLUSTER_MEMBERS", members);
    env.put("ASTRGATE_NODE_NAME", name);
    env.put("ASTRGATE_HTTP_INSTANCES", "1");
    env.put("ASTRGATE_DB_POOL_SIZE", "4");
    env.put("ASTRGATE_BOOTSTRAP_KEY", key);
    env.put("ASTRGATE_SHUTDOWN_GRACE_SECONDS", "1");
    // Adapter workers by default; tests that want a pipeline pass ASTRGATE_ROLES (AdapterWorkerTest: api,chat nodes).
    env.put("ASTRGATE_ROLES", "api,platforms");
    env.putAll(extraEnv);
    NodeProcess node = new NodeProcess(name, port, dir, pb.start());
    nodes.add(node);
    return node;
  }

  /** GET /readyz as JSON, or null when the node does not answer. */
  public JsonObject readyz(NodeProcess node) {
    try {
      HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + node.port + "/readyz"))
          .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.ofString());
      return new JsonObject(r.body()).put("http_status", r.statusCode());
    } catch (IOException | RuntimeException e) {
      return null;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    }
  }

  /** Waits until every given node is ready and sees {@code members} cluster members. */
  public void awaitReady(int members, long timeoutMs, NodeProcess... which) throws Exception {
    long deadline = System.currentTimeMillis() + timeoutMs;
    for (NodeProcess n : which) {
      while (true) {
        if (!n.alive()) {
          throw new AssertionError(n.name + " exited:\n" + tail(n));
        }
        JsonObject r = readyz(n);
        if (r != null && r.getInteger("http_status") == 200 && r.getJsonObject("cluster").getInteger("members") == members) {
          break;
        }
        if (System.currentTimeMillis() > deadline) {
          throw new AssertionError(n.name + " not ready: " + r + "\n" + tail(n));
        }
        Thread.sleep(100);
      }
    }
  }

  public static String tail(NodeProcess n) {
    try {
      List<String> lines = Files.readAllLines(n.log());
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
    } catch (IOException e) {
      return "(no log: " + e + ")";
    }
  }

  @Override
  public void close() {
    for (NodeProcess n : nodes) {
      n.process.destroy();
    }
    for (NodeProcess n : nodes) {
      try {
        if (!n.process.waitFor(15, java.util.concurrent.TimeUnit.SECONDS)) {
          n.process.destroyForcibly();
        }
      } catch (InterruptedException e) {
        n.process.destroyForcibly();
      }
    }
    if (member != null) {
      try {
        member.close().toCompletionStage().toCompletableFuture().get(30, java.util.concurrent.TimeUnit.SECONDS);
      } catch (Exception e) {
        // best effort
      }
    }
  }


}
