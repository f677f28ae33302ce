package dev.astrgate.provider;

import io.vertx.core.Future;

/** A running call. All methods are safe from any thread. */
public interface ProviderCall {
  /** Completes with the whole answer, or fails with a {@link ProviderException}. */
  Future<ProviderResult> result();

  /** Closes the upstream request at once; {@link #result()} then fails with kind CANCELLED. Idempotent. */
  void cancel();

  /** Stops reading the upstream body (and delivering deltas) until {@link #resume()}. */
  void pause();

  void resume();
}
