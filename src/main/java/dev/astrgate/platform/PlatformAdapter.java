package dev.astrgate.platform;

import io.vertx.core.Future;

/**
 * One running platform entry on one node. Node creates it through {@link PlatformTypes} and runs it inside its own
 * verticle, so {@link #start}, {@link #stop}, {@link #deliver} and inbound handling all run on one context.
 *
 * <p>An adapter hands each user message to {@link PlatformEnv#chat()} as an {@link InboundMessage} and delivers the
 * answer with its own {@link #deliver}. It takes sends from other nodes only while it holds the platform, through
 * the routing unit ({@code platform.route}); it never registers bus consumers or publishes notices itself.
 */
public interface PlatformAdapter {
  /** Builds the adapter for one config entry; must not do I/O (that is {@link #start}'s job). */
  @FunctionalInterface
  interface Factory {
    PlatformAdapter create(PlatformEnv env);
  }

  /** Starts listening, polling or dialing; fails only for a setup error the operator must fix. */
  Future<Void> start();

  /** Gives up what it holds (cluster entries, locks, connections); must complete even when I/O fails. */
  Future<Void> stop();

  /** Delivers a send on the platform; fails with {@link SendFailure} carrying the platform's own words. */
  Future<SendRequest.Result> deliver(SendRequest send);

  /** For /readyz and metrics: {@code owner}, {@code polling} (holds the platform), {@code standby} or {@code idle}. */
  String state();

  /** True while this node holds the platform. */
  default boolean holds() {
    String s = state();
    return "owner".equals(s) || "polling".equals(s);
  }
}
