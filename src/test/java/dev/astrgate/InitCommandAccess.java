package dev.astrgate;

import io.vertx.core.json.JsonObject;

/** Test access to the package-private starter config of {@code astrgate init}. */
public final class InitCommandAccess {
  private InitCommandAccess() {
  }

  public static JsonObject starter() {
    return InitCommand.starter();
  }
}
