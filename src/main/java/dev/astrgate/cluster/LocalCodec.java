package dev.astrgate.cluster;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.eventbus.MessageCodec;
import java.util.Collection;
import java.util.Optional;

/**
 * Passes in-node messages (records, optionals, lists) by reference. It refuses the wire on purpose:
 * anything that crosses nodes must be JSON.
 */
public final class LocalCodec implements MessageCodec<Object, Object> {
  public static final String NAME = "astrgate-local";

  /** Registers the codec and routes records, optionals and collections to it. */
  public static void install(EventBus bus) {
    bus.registerCodec(new LocalCodec());
    bus.codecSelector(body -> body != null
        && (body.getClass().isRecord() || body instanceof Optional || body instanceof Collection) ? NAME : null);
  }

  @Override
  public void encodeToWire(Buffer buffer, Object o) {
    throw new IllegalStateException("local-only message cannot cross nodes: " + o.getClass().getName());
  }

  @Override
  public Object decodeFromWire(int pos, Buffer buffer) {
    throw new IllegalStateException("local-only message cannot cross nodes");
  }

  @Override
  public Object transform(Object o) {
    return o;
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public byte systemCodecID() {
    return -1;
  }
}
