package dev.astrgate.store;

import dev.astrgate.cluster.Addresses;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.pgclient.pubsub.PgSubscriber;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * LISTENs for key changes made by any node or by the CLI, and tells this node's key cache to drop everything.
 * On every (re)subscription it also drops the cache, since notices sent while disconnected are lost.
 */
public final class KeyRevocationListener {
  private static final Logger LOG = LoggerFactory.getLogger(KeyRevocationListener.class);

  private final Vertx vertx;
  private final PgSubscriber subscriber;

  public KeyRevocationListener(Vertx vertx, PgConnectOptions options) {
    this.vertx = vertx;
    this.subscriber = PgSubscriber.subscriber(vertx, new PgConnectOptions(options))
        .reconnectPolicy(retries -> 1000L);
  }

  public Future<Void> start() {
    subscriber.channel(KeyRepository.CHANNEL)
        .subscribeHandler(v -> publish())
        .handler(keyId -> {
          LOG.info("api key changed key_id={}", keyId);
          publish();
        });
    return subscriber.connect();
  }

  private void publish() {
    vertx.eventBus().publish(Addresses.KEYS_CHANGED.name(), null, Addresses.KEYS_CHANGED.delivery());
  }

  public Future<Void> stop() {
    return subscriber.close();
  }
}
