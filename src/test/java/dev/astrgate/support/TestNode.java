package dev.astrgate.support;

import dev.astrgate.Node;
import dev.astrgate.auth.KeyMaterial;
import dev.astrgate.auth.Scopes;
import dev.astrgate.config.NodeOptions;
import dev.astrgate.store.KeyRepository;
import dev.astrgate.store.StoreVerticle;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Tuple;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.OffsetDateTime;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** A real gateway node on a free loopback port, with its own conf and data directories, for one test class. */
public final class TestNode implements AutoCloseable {
  private final Node node;
  private final Path dir;
  private final Pool pool;

  private TestNode(Node node, Path dir, Pool pool) {
    this.node = node;
    this.dir = dir;
    this.pool = pool;
  }

  public static TestNode start() {
    return start(Map.of(), defaultConf());
  }

  /** Starts a node against the shared test database unless {@code env} says otherwise. */
  public static TestNode start(Map<String, String> extraEnv, JsonObject conf) {
    return start(extraEnv, conf, Map.of());
  }

  /** {@code extraConfs} become extra config files {@code <id>.json} next to the default. */
  public static TestNode start(Map<String, String> extraEnv, JsonObject conf, Map<String, JsonObject> extraConfs) {
    try {
      Path dir = Files.createTempDirectory("astrgate-node");
      Path confDir = Files.createDirectories(dir.resolve("conf"));
      Files.writeString(confDir.resolve("default.json"), conf.encodePrettily());
      for (Map.Entry<String, JsonObject> e : extraConfs.entrySet()) {
        Files.writeString(confDir.resolve(e.getKey() + ".json"), e.getValue().encodePrettily());
      }
      Map<String, String> env = new HashMap<>();
      env.put("ASTRGATE_PORT", Integer.toString(freePort()));
      env.put("ASTRGATE_HOST", "127.0.0.1");
      env.put("ASTRGATE_DATA_DIR", dir.resolve("data").toString());
      env.put("ASTRGATE_CONF_DIR", confDir.toString());
      env.put("ASTRGATE_DATABASE_URL", TestDatabase.url());
      env.put("ASTRGATE_HTTP_INSTANCES", "2");
      env.put("ASTRGATE_DB_POOL_SIZE", "8");
      env.put("ASTRGATE_NODE_NAME", "test-node-" + env.get("ASTRGATE_PORT"));
      env.put("ASTRGATE_SHUTDOWN_GRACE_SECONDS", "2");
      env.putAll(extraEnv);
      env.values().removeIf(v -> v == null);
      NodeOptions options = NodeOptions.fromEnv(env);
      Node node = Node.start(options, env, key -> { }).toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
      Pool pool = options.databaseUrl() == null ? null
          : StoreVerticle.createPool(node.vertx(), PgConnectOptions.fromUri(options.databaseUrl()), 2);
      return new TestNode(node, dir, pool);
    } catch (Exception e) {
      throw new IllegalStateException("test node failed to start", e);
    }
  }

  public static JsonObject defaultConf() {
    return new JsonObject()
        .put("platform", new io.vertx.core.json.JsonArray()
            .add(new JsonObject().put("id", "qq_main").put("type", "aiocqhttp").put("enable", true))
            .add(new JsonObject().put("id", "tg_off").put("type", "telegram").put("enable", false))
            .add(new JsonObject().put("id", "qq_main").put("type", "aiocqhttp"))
            .add(new JsonObject().put("id", "").put("type", "aiocqhttp"))
            .add(new JsonObject().put("type", "aiocqhttp")))
        .put("provider_settings", new JsonObject());
  }

  public static int freePort() {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public int port() {
    return node.options().port();
  }

  public Node node() {
    return node;
  }

  public Path dir() {
    return dir;
  }

  public Pool pool() {
    return pool;
  }

  /** Inserts a key straight into the database and returns the raw key. */
  public String createKey(List<String> scopes, String boundUsername, OffsetDateTime expiresAt) {
    String raw = KeyMaterial.newRawKey();
    await(new KeyRepository(pool).insert(new KeyRepository.NewKey("test", KeyMaterial.hash(raw), KeyMaterial.prefix(raw),
        scopes, "test", boundUsername, expiresAt)));
    return raw;
  }

  public String createKey(String... scopes) {
    return createKey(scopes.length == 0 ? Scopes.ALL : List.of(scopes), null, null);
  }

  public String keyIdOf(String raw) {
    return await(pool.preparedQuery("SELECT key_id FROM api_keys WHERE key_hash = $1").execute(Tuple.of(KeyMaterial.hash(raw))))
        .iterator().next().getString(0);
  }

  public static <T> T await(Future<T> f) {
    try {
      return f.toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  @Override
  public void close() {
    if (pool != null) {
      await(pool.close());
    }
    stopOnly();
  }

  /** Stops the node without touching the helper pool (which may already be closed). */
  public void stopOnly() {
    try {
      node.stop().get(60, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new IllegalStateException("node did not stop", e);
    }
  }
}
