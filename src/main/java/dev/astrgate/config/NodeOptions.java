package dev.astrgate.config;

import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Deployment settings of one node, read from {@code ASTRGATE_*} environment variables (CLI flags override them).
 * Secrets here ({@code bootstrapKey}, {@code databaseUrl}) must never be logged; {@link #toString()} hides them.
 */
public record NodeOptions(
    int port,
    String host,
    Path dataDir,
    Path confDir,
    String databaseUrl,
    boolean cluster,
    Path clusterConfig,
    String clusterMembers,
    String clusterHost,
    String bootstrapKey,
    String nodeName,
    int httpInstances,
    int dbPoolSize,
    int embeddedDbPort,
    Duration shutdownGrace,
    Set<String> roles,
    String metricsToken,
    String clusterName,
    int dbTimeoutMs,
    int eventLoops) {

  /** What a node runs: the HTTP API, the chat pipeline, the platform adapters. */
  public static final Set<String> ALL_ROLES = Set.of("api", "chat", "platforms");

  /** Every variable this record reads, for --help and the README. */
  public static final String[][] VARIABLES = {
      {"ASTRGATE_PORT", "7860", "HTTP port"},
      {"ASTRGATE_HOST", "0.0.0.0", "HTTP bind address"},
      {"ASTRGATE_DATA_DIR", "./data", "data directory (embedded PostgreSQL, temporary uploads)"},
      {"ASTRGATE_CONF_DIR", "./conf", "AstrBot-style config directory (default.json plus extras)"},
      {"ASTRGATE_DATABASE_URL", "(unset: embedded)", "postgresql://user:pass@host:port/db of a real server"},
      {"ASTRGATE_CLUSTER", "false", "join the Hazelcast cluster"},
      {"ASTRGATE_CLUSTER_CONFIG", "./cluster.xml", "Hazelcast config file"},
      {"ASTRGATE_CLUSTER_MEMBERS", "127.0.0.1", "comma-separated TCP/IP members"},
      {"ASTRGATE_CLUSTER_HOST", "127.0.0.1", "address this node's event bus binds to"},
      {"ASTRGATE_CLUSTER_NAME", "(cluster.xml: astrgate)", "Hazelcast cluster name; separates clusters that can see each other"},
      {"ASTRGATE_BOOTSTRAP_KEY", "(unset)", "an abk_ key stored with all scopes at start if absent"},
      {"ASTRGATE_NODE_NAME", "host-pid", "node name in logs and /readyz"},
      {"ASTRGATE_HTTP_INSTANCES", "cores", "ApiVerticle instances"},
      {"ASTRGATE_DB_POOL_SIZE", "16", "PostgreSQL connections of the HTTP and chat verticles, split among their instances"},
      {"ASTRGATE_EMBEDDED_DB_PORT", "0 (any free)", "port of the embedded PostgreSQL"},
      {"ASTRGATE_SHUTDOWN_GRACE_SECONDS", "10", "how long in-flight requests may finish on SIGTERM"},
      {"ASTRGATE_METRICS_TOKEN", "(unset: open)", "bearer token required by GET /metrics"},
      {"ASTRGATE_ROLES", "api,chat,platforms", "what this node runs; e.g. api,platforms for an adapter worker"},
      {"ASTRGATE_DB_TIMEOUT_MS", "2000", "bound on every storage call (connect, pool wait, query); past it the answer is 503"},
      {"ASTRGATE_EVENT_LOOPS", "2 x cores", "event-loop threads"},
  };

  public static NodeOptions fromEnv(Map<String, String> env) {
    Map<String, String> e = new HashMap<>(env);
    e.values().removeIf(v -> v == null);
    return new NodeOptions(
        intOf(e, "ASTRGATE_PORT", 7860),
        e.getOrDefault("ASTRGATE_HOST", "0.0.0.0"),
        Path.of(e.getOrDefault("ASTRGATE_DATA_DIR", "./data")),
        Path.of(e.getOrDefault("ASTRGATE_CONF_DIR", "./conf")),
        blankToNull(e.get("ASTRGATE_DATABASE_URL")),
        Boolean.parseBoolean(e.getOrDefault("ASTRGATE_CLUSTER", "false").trim()),
        Path.of(e.getOrDefault("ASTRGATE_CLUSTER_CONFIG", "./cluster.xml")),
        e.getOrDefault("ASTRGATE_CLUSTER_MEMBERS", "127.0.0.1"),
        e.getOrDefault("ASTRGATE_CLUSTER_HOST", "127.0.0.1"),
        blankToNull(e.get("ASTRGATE_BOOTSTRAP_KEY")),
        e.getOrDefault("ASTRGATE_NODE_NAME", defaultNodeName()),
        intOf(e, "ASTRGATE_HTTP_INSTANCES", Runtime.getRuntime().availableProcessors()),
        intOf(e, "ASTRGATE_DB_POOL_SIZE", 16),
        intOf(e, "ASTRGATE_EMBEDDED_DB_PORT", 0),
        Duration.ofSeconds(intOf(e, "ASTRGATE_SHUTDOWN_GRACE_SECONDS", 10)),
        roles(e.getOrDefault("ASTRGATE_ROLES", "api,chat,platforms")),
        blankToNull(e.get("ASTRGATE_METRICS_TOKEN")),
        blankToNull(e.get("ASTRGATE_CLUSTER_NAME")),
        positive(intOf(e, "ASTRGATE_DB_TIMEOUT_MS", 2000), "ASTRGATE_DB_TIMEOUT_MS"),
        // Vert.x's two per core by default. One per core saved a third of a cross-node send's CPU on a one-core
        // node, but two chat bench runs were not conclusive (bench/README.md, third pass); so an operator's choice.
        atLeastOne(intOf(e, "ASTRGATE_EVENT_LOOPS", 2 * Runtime.getRuntime().availableProcessors()),
            "ASTRGATE_EVENT_LOOPS"));
  }

  public boolean runs(String role) {
    return roles.contains(role);
  }

  private static Set<String> roles(String list) {
    Set<String> out = new TreeSet<>();
    for (String r : list.split(",")) {
      String role = r.strip();
      if (role.isEmpty()) {
        continue;
      }
      if (!ALL_ROLES.contains(role)) {
        throw new IllegalArgumentException("ASTRGATE_ROLES: unknown role '" + role + "' (known: api, chat, platforms)");
      }
      out.add(role);
    }
    if (!out.contains("api")) {
      throw new IllegalArgumentException("ASTRGATE_ROLES must include api (health, readiness and sends need it)");
    }
    return Set.copyOf(out);
  }

  public boolean embeddedDatabase() {
    return databaseUrl == null;
  }

  private static int intOf(Map<String, String> env, String key, int def) {
    String v = env.get(key);
    if (v == null || v.isBlank()) {
      return def;
    }
    try {
      return Integer.parseInt(v.trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(key + " must be an integer, got '" + v + "'");
    }
  }

  private static int positive(int v, String key) {
    if (v < 100) {
      throw new IllegalArgumentException(key + " must be at least 100, got " + v);
    }
    return v;
  }

  private static int atLeastOne(int v, String key) {
    if (v < 1) {
      throw new IllegalArgumentException(key + " must be at least 1, got " + v);
    }
    return v;
  }

  private static String blankToNull(String v) {
    return v == null || v.isBlank() ? null : v.trim();
  }

  private static String defaultNodeName() {
    String host;
    try {
      host = InetAddress.getLocalHost().getHostName();
    } catch (Exception e) {
      host = "node";
    }
    String runtime = ManagementFactory.getRuntimeMXBean().getName();
    String pid = runtime.contains("@") ? runtime.substring(0, runtime.indexOf('@')) : runtime;
    return host + "-" + pid;
  }

  @Override
  public String toString() {
    return "NodeOptions[port=" + port + ", host=" + host + ", dataDir=" + dataDir + ", confDir=" + confDir
        + ", database=" + (databaseUrl == null ? "embedded" : "external") + ", cluster=" + cluster
        + ", node=" + nodeName + ", httpInstances=" + httpInstances + ", roles=" + new TreeSet<>(roles) + "]";
  }
}
