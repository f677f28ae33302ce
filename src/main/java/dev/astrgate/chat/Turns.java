package dev.astrgate.chat;

import dev.astrgate.config.ConfFile;
import dev.astrgate.config.ConfSet;
import dev.astrgate.provider.ProviderRegistry;
import dev.astrgate.store.StoreClient;
import io.vertx.core.Vertx;
import java.util.HashMap;
import java.util.Map;

/**
 * Chat turns run on the event loop of whoever calls {@link #run}: the chat settings and one provider registry per
 * config, owned by one verticle instance. The HTTP verticle runs each webchat turn on its request's own event loop,
 * so upstream chunks, store callbacks and SSE writes never change threads.
 */
public final class Turns {
  private final Map<String, ProviderRegistry> providers = new HashMap<>();
  private final TurnRunner runner;

  public Turns(Vertx vertx, ConfSet confs) {
    Map<String, ChatSettings> settings = new HashMap<>();
    for (ConfFile c : confs.all()) {
      settings.put(c.id(), ChatSettings.from(c.json()));
      providers.put(c.id(), ProviderRegistry.fromConfig(vertx, c.json()));
    }
    runner = new TurnRunner(vertx, new StoreClient(vertx), settings, providers);
  }

  /** Runs one validated turn; its events go to {@code sink} from the caller's context. */
  public void run(ChatTurn turn, TurnSink sink) {
    runner.run(turn, sink);
  }

  TurnRunner runner() {
    return runner;
  }

  /** Closes the upstream clients; call once no turn runs any more. */
  public void close() {
    providers.values().forEach(ProviderRegistry::close);
  }
}
