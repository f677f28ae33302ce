package dev.astrgate;

import dev.astrgate.auth.KeyCache;
import dev.astrgate.bridge.BridgeOptions;
import dev.astrgate.bridge.BridgeVerticle;
import dev.astrgate.chat.ChatVerticle;
import dev.astrgate.cluster.Addresses;
import dev.astrgate.cluster.ClusterInfo;
import dev.astrgate.cluster.ClusterSupport;
import dev.astrgate.cluster.LocalCodec;
import dev.astrgate.logging.LogSetup;
import dev.astrgate.logging.RequestIds;
import dev.astrgate.metrics.GatewayMetrics;
import dev.astrgate.config.ApiOptions;
import dev.astrgate.config.ConfKeys;
import dev.astrgate.config.ConfLoader;
import dev.astrgate.config.ConfSet;
import dev.astrgate.config.NodeOptions;
import dev.astrgate.http.ApiSettings;
import dev.astrgate.http.ApiVerticle;
import dev.astrgate.platform.AdapterVerticle;
import dev.astrgate.platform.PlatformAdapter;
import dev.astrgate.platform.PlatformConfig;
import dev.astrgate.platform.PlatformHub;
import dev.astrgate.platform.PlatformTypes;
import dev.astrgate.platform.WakeRule;
import dev.astrgate.platform.route.PlatformRouting;
import dev.astrgate.platform.webchat.LiveStreams;
import dev.astrgate.platform.webchat.Webchat;
import java.util.function.Supplier;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import dev.astrgate.store.Database;
import dev.astrgate.store.KeyRepository;
import dev.astrgate.store.KeyRevocationListener;
import dev.astrgate.store.StoreClient;
import dev.astrgate.store.StoreVerticle;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.sqlclient.Pool;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Wires one gateway node: configs, database, event bus, verticles; and tears it down in the safe order. */
public final class Node {
  private static final Logger LOG = LoggerFactory.getLogger(Node.class);

  private final NodeOptions options;
  private final Vertx vertx;
  private final Database database;
  private final AtomicBoolean ready = new AtomicBoolean();
  private final PlatformHub platforms = new PlatformHub();
  private final List<String> platformDeployments = new ArrayList<>();
  private final List<Part> started = new ArrayList<>();
  private ClusterInfo cluster;
  private PlatformRouting routing;
  private String apiDeployment;
  private String bridgeDeployment;
  private String storeDeployment;

  /** A node part that is not a verticle; parts start in list order and stop in reverse. */
  private record Part(String name, Supplier<Future<Void>> start, Supplier<Future<Void>> stop) {
  }

  private Node(NodeOptions options, Vertx vertx, Database database) {
    this.options = options;
    this.vertx = vertx;
    this.database = database;
  }

  /**
   * Starts a node. {@code generatedKey} receives a key created because the database had none, so the caller
   * can show it once to a person; it is never logged.
   */
  public static Future<Node> start(NodeOptions options, Map<String, String> env, Consumer<String> generatedKey) {
    long t0 = System.nanoTime();
    ConfSet confs = loadConfs(options, env);
    ApiOptions apiOptions = ApiOptions.from(confs.defaults().json(), env);
    BridgeOptions bridgeOptions = BridgeOptions.fromEnv(env);
    RequestIds.init();
    LogSetup.nodeName(options.nodeName());
    GatewayMetrics metrics = new GatewayMetrics(options.nodeName());
    return ClusterSupport.vertx(options, metrics.registry()).compose(vertx -> {
      LocalCodec.install(vertx.eventBus());
      metrics.attach(vertx);
      return vertx.executeBlocking(() -> {
        Database db = Database.open(options);
        try {
          db.migrate();
        } catch (RuntimeException e) {
          db.close();
          throw e;
        }
        return db;
      }, false).compose(db -> {
        Node node = new Node(options, vertx, db);
        return node.deploy(apiOptions, bridgeOptions, confs, generatedKey).map(node);
      }).onFailure(err -> vertx.close());
    }).onSuccess(node -> LOG.info("node ready name={} port={} cluster={} transport={} ms={}", options.nodeName(),
        options.port(), options.cluster(), node.vertx().isNativeTransportEnabled() ? "native" : "nio",
        (System.nanoTime() - t0) / 1_000_000));
  }

  /** The conf directory, or the jar's built-in default when there is none; says which, and what it ignores. */
  static ConfSet loadConfs(NodeOptions options, Map<String, String> env) {
    boolean named = env.get("ASTRGATE_CONF_DIR") != null && !env.get("ASTRGATE_CONF_DIR").isBlank();
    ConfSet confs = new ConfLoader(env).load(options.confDir(), named);
    if (ConfLoader.BUILT_IN_PATH.equals(confs.defaults().path())) {
      LOG.info("config: no conf directory at {}, running on the default config built into the jar "
          + "(`java -jar astrgate.jar init` writes one to edit)", options.confDir().toAbsolutePath().normalize());
    } else {
      LOG.info("config: {} ({} extra)", confs.defaults().path(), confs.extras().size());
    }
    for (var conf : confs.all()) {
      List<String> ignored = ConfKeys.ignored(conf.json());
      if (!ignored.isEmpty()) {
        LOG.info("config {}: ignored: {}", conf.id(), String.join(", ", ignored));
      }
    }
    return confs;
  }

  private Future<Void> deploy(ApiOptions apiOptions, BridgeOptions bridgeOptions, ConfSet confs,
                              Consumer<String> generatedKey) {
    KeyCache keyCache = new KeyCache(new StoreClient(vertx));
    Addresses.KEYS_CHANGED.consumer(vertx.eventBus(), msg -> keyCache.invalidateAll());
    ApiSettings settings = new ApiSettings(options, apiOptions, confs);
    cluster = new ClusterInfo(vertx, options.nodeName());
    GatewayMetrics.of(vertx).clusterMembers(() -> cluster.members().size());
    routing = new PlatformRouting(vertx, cluster);
    LiveStreams streams = new LiveStreams(vertx, cluster);
    Webchat webchat = new Webchat(routing, new StoreClient(vertx), streams);
    KeyRevocationListener revocations = new KeyRevocationListener(vertx, database.connectOptions());
    List<Part> parts = List.of(
        new Part("key revocation listener", revocations::start, revocations::stop),
        new Part("platform routing", routing::start, routing::stop),
        new Part("webchat live streams", streams::start, streams::stop),
        new Part(Webchat.ID + " sends", () -> {
          webchat.start();
          return Future.succeededFuture();
        }, Future::succeededFuture));
    // The pool size is the node's budget for its HTTP and chat verticle instances, which do nearly all queries.
    int perContext = Math.max(2, (options.dbPoolSize() + 2 * options.httpInstances() - 1) / (2 * options.httpInstances()));
    return vertx.deployVerticle(new StoreVerticle(database.connectOptions(), perContext, options.dbTimeoutMs()))
        .compose(id -> {
          storeDeployment = id;
          return bootstrapKeys(generatedKey);
        })
        .compose(v -> startParts(parts, 0))
        .compose(v -> !options.runs("chat") ? Future.succeededFuture() : vertx.deployVerticle(() -> new ChatVerticle(confs, cluster),
            new DeploymentOptions().setInstances(Math.max(1, options.httpInstances()))).mapEmpty())
        .compose(v -> options.runs("platforms") ? deployPlatforms(confs.defaults().json()) : Future.succeededFuture())
        .compose(v -> !options.runs("platforms") || !bridgeOptions.enabled() ? Future.succeededFuture()
            : vertx.deployVerticle(new BridgeVerticle(bridgeOptions, keyCache)).map(id -> bridgeDeployment = id))
        .compose(v -> vertx.deployVerticle(() -> new ApiVerticle(settings, keyCache, ready::get, platforms, cluster, routing, streams),
            new DeploymentOptions().setInstances(Math.max(1, options.httpInstances()))))
        .map(id -> {
          apiDeployment = id;
          ready.set(true);
          return null;
        });
  }

  private Future<Void> startParts(List<Part> parts, int i) {
    if (i == parts.size()) {
      return Future.succeededFuture();
    }
    Part part = parts.get(i);
    return part.start().get().compose(v -> {
      started.add(part);
      return startParts(parts, i + 1);
    });
  }

  /** Stops the started parts in reverse order; one that fails is logged and the rest still stop. */
  private Future<Void> stopParts() {
    Future<Void> all = Future.succeededFuture();
    for (int i = started.size() - 1; i >= 0; i--) {
      Part part = started.get(i);
      all = all.transform(ignored -> part.stop().get().recover(err -> {
        LOG.warn("node part stop failed part={} reason={}", part.name(), err.toString());
        return Future.succeededFuture();
      }));
    }
    return all.onComplete(ar -> started.clear());
  }

  /** One adapter per enabled platform entry of the default config, from the type table; webchat needs none. */
  private Future<Void> deployPlatforms(JsonObject conf) {
    WakeRule wake = new WakeRule(PlatformConfig.wakePrefixes(conf));
    Future<Void> all = Future.succeededFuture();
    for (JsonObject entry : PlatformConfig.enabled(conf)) {
      String type = String.valueOf(entry.getValue("type"));
      PlatformAdapter.Factory factory = PlatformTypes.factory(type);
      if (factory == null) {
        LOG.warn("platform not supported id={} type={}", entry.getString("id"), type);
        continue;
      }
      all = all.compose(v -> vertx.deployVerticle(new AdapterVerticle(entry, factory, wake, cluster, routing, platforms))
          .map(id -> {
            platformDeployments.add(id);
            return null;
          }));
    }
    return all;
  }

  private Future<Void> bootstrapKeys(Consumer<String> generatedKey) {
    Pool pool = StoreVerticle.createPool(vertx, database.connectOptions(), 1);
    return new KeyRepository(pool).bootstrap(options.bootstrapKey())
        .onSuccess((Optional<String> raw) -> raw.ifPresent(generatedKey))
        .eventually(pool::close)
        .mapEmpty();
  }

  /** Platforms go after the HTTP front and before storage: their teardown releases cluster entries and locks. */
  private Future<Void> undeployPlatforms() {
    List<Future<Void>> all = new ArrayList<>();
    for (String id : platformDeployments) {
      all.add(vertx.undeploy(id).recover(err -> Future.succeededFuture()));
    }
    platformDeployments.clear();
    return Future.join(all).mapEmpty();
  }

  public PlatformHub platforms() {
    return platforms;
  }

  public Vertx vertx() {
    return vertx;
  }

  public NodeOptions options() {
    return options;
  }

  public boolean isReady() {
    return ready.get();
  }

  /**
   * Stops accepting, lets in-flight requests finish (bounded by the grace period), then closes storage.
   * Vert.x itself is closed from a plain thread: a close awaited on its own event loop never completes.
   */
  public CompletableFuture<Void> stop() {
    ready.set(false);
    LOG.info("node stopping name={}", options.nodeName());
    CompletableFuture<Void> done = new CompletableFuture<>();
    Future<Void> api = apiDeployment == null ? Future.succeededFuture() : vertx.undeploy(apiDeployment);
    api.recover(err -> Future.succeededFuture())
        .compose(v -> bridgeDeployment == null ? Future.<Void>succeededFuture()
            : vertx.undeploy(bridgeDeployment).recover(err -> Future.succeededFuture()))
        .compose(v -> undeployPlatforms())
        .compose(v -> stopParts())
        .recover(err -> Future.succeededFuture())
        .compose(v -> storeDeployment == null ? Future.<Void>succeededFuture() : vertx.undeploy(storeDeployment))
        .onComplete(ar -> new Thread(() -> {
          try {
            vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
          } catch (Exception e) {
            LOG.warn("vertx close incomplete reason={}", e.toString());
          }
          database.close();
          LOG.info("node stopped name={}", options.nodeName());
          done.complete(null);
        }, "astrgate-stop").start());
    return done;
  }
}
