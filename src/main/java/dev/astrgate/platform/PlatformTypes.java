package dev.astrgate.platform;

import dev.astrgate.platform.onebot.OneBotAdapter;
import dev.astrgate.platform.satori.SatoriAdapter;
import dev.astrgate.platform.telegram.TelegramAdapter;
import dev.astrgate.platform.worker.WorkerAdapter;
import java.util.Map;

/** Config {@code type} to adapter factory: a new platform is a folder under {@code platform/} and one line here. */
public final class PlatformTypes {
  private PlatformTypes() {
  }

  private static final Map<String, PlatformAdapter.Factory> FACTORIES = Map.of(
      OneBotAdapter.TYPE, OneBotAdapter::new,
      TelegramAdapter.TYPE, TelegramAdapter::new,
      SatoriAdapter.TYPE, SatoriAdapter::new,
      WorkerAdapter.TYPE, WorkerAdapter::new);

  /** The factory for a config type, or null when the type is not supported. */
  public static PlatformAdapter.Factory factory(String type) {
    return FACTORIES.get(type);
  }
}
