package dev.astrgate.bridge;

import dev.astrgate.auth.KeyCache;
import dev.astrgate.cluster.Addresses;
import dev.astrgate.platform.worker.WorkerAdapter;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetServerOptions;
import io.vertx.core.net.PemKeyCertOptions;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The TCP event-bus bridge adapter workers attach to: the bridge's wire format (4-byte length + JSON frames), the
 * worker protocol's addresses only, an API key with the {@code platform} scope on every claim. Each connection is a
 * {@link BridgeConnection}; a claim goes to this node's {@link WorkerAdapter} of the platform.
 */
public final class BridgeVerticle extends VerticleBase {
  private static final Logger LOG = LoggerFactory.getLogger(BridgeVerticle.class);

  private final BridgeOptions options;
  private final KeyCache keys;
  private final Set<BridgeConnection> connections = ConcurrentHashMap.newKeySet();
  private NetServer server;
  private MessageConsumer<Object> keysChanged;

  public BridgeVerticle(BridgeOptions options, KeyCache keys) {
    this.options = options;
    this.keys = keys;
  }

  @Override
  public Future<?> start() {
    NetServerOptions net = new NetServerOptions().setTcpNoDelay(true).setHost(options.host()).setPort(options.port());
    if (options.tls()) {
      net.setSsl(true).setKeyCertOptions(new PemKeyCertOptions().setCertPath(options.tlsCert())
          .setKeyPath(options.tlsKey()));
    }
    server = vertx.createNetServer(net);
    server.connectHandler(socket -> {
      BridgeConnection c = new BridgeConnection(vertx, socket, options, keys, id -> WorkerAdapter.local(vertx, id));
      connections.add(c);
      c.onEnd(() -> connections.remove(c));
    });
    // A revoked key stops its workers too, within the NOTIFY's second.
    keysChanged = Addresses.KEYS_CHANGED.consumer(vertx.eventBus(), msg -> connections.forEach(c ->
        c.context().runOnContext(v -> c.recheckKey())));
    return server.listen().onSuccess(s -> LOG.info("bridge listening host={} port={} tls={}", options.host(),
        s.actualPort(), options.tls()));
  }

  /** The bound port (the configured one, or the one picked for port 0). */
  public int port() {
    return server.actualPort();
  }

  @Override
  public Future<?> stop() {
    if (keysChanged != null) {
      keysChanged.unregister();
    }
    return server == null ? Future.succeededFuture() : server.close();
  }
}
