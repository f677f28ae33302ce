package dev.astrgate;

import dev.astrgate.config.ConfException;
import dev.astrgate.config.NodeOptions;
import java.io.PrintStream;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** The {@code astrgate} command line: {@code serve} (the default) and {@code keys}. */
@Command(name = "astrgate", mixinStandardHelpOptions = true, version = "astrgate 0.1.0",
    description = "AstrBot-compatible Open API gateway. With no subcommand, runs a node (same as 'serve').",
    subcommands = {KeysCommand.class, InitCommand.class, ImportCommand.class, Main.Serve.class},
    footer = {"", "Settings come from the environment; each flag overrides its variable:",
        "  ASTRGATE_PORT (7860), ASTRGATE_HOST, ASTRGATE_DATA_DIR (./data), ASTRGATE_CONF_DIR (./conf),",
        "  ASTRGATE_DATABASE_URL (unset: embedded PostgreSQL), ASTRGATE_CLUSTER, ASTRGATE_CLUSTER_CONFIG,",
        "  ASTRGATE_CLUSTER_MEMBERS, ASTRGATE_CLUSTER_HOST, ASTRGATE_BOOTSTRAP_KEY, ASTRGATE_NODE_NAME,",
        "  ASTRGATE_HTTP_INSTANCES, ASTRGATE_DB_POOL_SIZE, ASTRGATE_EMBEDDED_DB_PORT, ASTRGATE_SHUTDOWN_GRACE_SECONDS,",
        "  ASTRGATE_UPLOAD_MAX_BYTES, ASTRGATE_JSON_MAX_BYTES, ASTRGATE_COMPAT_HTTP_200_ERRORS, ASTRGATE_SSE_HEARTBEAT_SECONDS.",
        "See README.md for every setting."})
public final class Main implements Runnable {
  @Mixin
  SettingsMixin settings;

  public static void main(String[] args) {
    boolean tool = args.length > 0 && (args[0].equals("keys") || args[0].equals("init") || args[0].equals("import"));
    if (tool && System.getProperty("astrgate.log.level") == null) {
      System.setProperty("astrgate.log.level", "WARN");
    }
    int code = new CommandLine(new Main()).execute(args);
    if (code != 0 || tool) {
      System.exit(code);
    }
  }

  @Override
  public void run() {
    new Serve().serve(settings);
  }

  /** Runs a node until SIGTERM or SIGINT. */
  @Command(name = "serve", mixinStandardHelpOptions = true, description = "Run a gateway node (the default command).")
  static final class Serve implements Runnable {
    @Mixin
    SettingsMixin settings;

    @Override
    public void run() {
      serve(settings);
    }

    void serve(SettingsMixin s) {
      Map<String, String> env = s.environment();
      NodeOptions options;
      Node node;
      try {
        options = NodeOptions.fromEnv(env);
        node = Node.start(options, env, Main::printGeneratedKey).toCompletionStage().toCompletableFuture().get();
      } catch (Exception e) {
        Throwable cause = e.getCause() != null && !(e instanceof ConfException) ? e.getCause() : e;
        if (e instanceof ConfException || cause instanceof ConfException) {
          System.err.println("astrgate: config error: " + (cause instanceof ConfException ? cause : e).getMessage());
          System.exit(2);
        }
        System.err.println("astrgate: start failed: " + cause);
        System.exit(1);
        return;
      }
      Node running = node;
      long graceMillis = options.shutdownGrace().toMillis() + 15_000;
      Runtime.getRuntime().addShutdownHook(new Thread(() -> {
        try {
          running.stop().get(graceMillis, TimeUnit.MILLISECONDS);
        } catch (Exception e) {
          System.err.println("astrgate: shutdown incomplete: " + e);
        }
      }, "astrgate-shutdown"));
    }
  }

  /** Shown once on stdout, never logged: a person must see it to use the node. */
  static void printGeneratedKey(String rawKey) {
    PrintStream out = System.out;
    String bar = "=".repeat(72);
    out.println();
    out.println(bar);
    out.println("  No API key existed, so astrgate created one with all scopes.");
    out.println("  It is shown this once only; store it now (only its hash is kept):");
    out.println();
    out.println("    " + rawKey);
    out.println();
    out.println("  Use it as:  curl -H 'X-API-Key: <key>' http://localhost:7860/api/v1/im/bots");
    out.println(bar);
    out.println();
    out.flush();
  }

  /** Flags that override the ASTRGATE_* environment variables. */
  static final class SettingsMixin {
    private final Map<String, String> overrides = new HashMap<>();

    @Option(names = "--port", description = "HTTP port (ASTRGATE_PORT, default 7860)")
    void port(String v) { overrides.put("ASTRGATE_PORT", v); }

    @Option(names = "--host", description = "bind address (ASTRGATE_HOST, default 0.0.0.0)")
    void host(String v) { overrides.put("ASTRGATE_HOST", v); }

    @Option(names = "--data-dir", description = "data directory (ASTRGATE_DATA_DIR, default ./data)")
    void dataDir(String v) { overrides.put("ASTRGATE_DATA_DIR", v); }

    @Option(names = "--conf-dir", description = "config directory (ASTRGATE_CONF_DIR, default ./conf)")
    void confDir(String v) { overrides.put("ASTRGATE_CONF_DIR", v); }

    @Option(names = "--database-url", description = "postgresql://user:pass@host:port/db (ASTRGATE_DATABASE_URL; unset: embedded)")
    void databaseUrl(String v) { overrides.put("ASTRGATE_DATABASE_URL", v); }

    @Option(names = "--cluster", description = "join the cluster (ASTRGATE_CLUSTER)")
    void cluster(boolean v) { overrides.put("ASTRGATE_CLUSTER", Boolean.toString(v)); }

    @Option(names = "--cluster-config", description = "Hazelcast XML (ASTRGATE_CLUSTER_CONFIG, default ./cluster.xml)")
    void clusterConfig(String v) { overrides.put("ASTRGATE_CLUSTER_CONFIG", v); }

    @Option(names = "--cluster-members", description = "TCP/IP members, comma-separated (ASTRGATE_CLUSTER_MEMBERS)")
    void clusterMembers(String v) { overrides.put("ASTRGATE_CLUSTER_MEMBERS", v); }

    @Option(names = "--node-name", description = "node name (ASTRGATE_NODE_NAME)")
    void nodeName(String v) { overrides.put("ASTRGATE_NODE_NAME", v); }

    Map<String, String> environment() {
      Map<String, String> env = new HashMap<>(System.getenv());
      env.putAll(overrides);
      return env;
    }
  }
}
