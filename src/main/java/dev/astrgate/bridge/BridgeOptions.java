package dev.astrgate.bridge;

import java.util.Map;

/**
 * Settings of the TCP event-bus bridge that adapter workers attach to (docs/workers.md), from {@code ASTRGATE_BRIDGE_*}.
 * The bridge runs only when {@code port} is set (&gt; 0 after parsing; 0 means "any free port", for tests).
 *
 * @param pingTimeoutMs a connection that sends no frame for this long is closed; workers ping every third of it
 */
public record BridgeOptions(Integer port, String host, String tlsCert, String tlsKey, long pingTimeoutMs,
                            int maxFrameBytes, int maxFramesPerSecond) {
  /** Every variable this record reads, for the README. */
  public static final String[][] VARIABLES = {
      {"ASTRGATE_BRIDGE_PORT", "(unset: no bridge)", "TCP port of the event-bus bridge for adapter workers"},
      {"ASTRGATE_BRIDGE_HOST", "127.0.0.1", "bridge bind address"},
      {"ASTRGATE_BRIDGE_TLS_CERT", "(unset: plain TCP)", "PEM certificate chain; with _KEY the bridge speaks TLS"},
      {"ASTRGATE_BRIDGE_TLS_KEY", "(unset)", "PEM private key"},
      {"ASTRGATE_BRIDGE_PING_TIMEOUT_MS", "15000", "silence after which a worker is dropped (it pings every third)"},
      {"ASTRGATE_BRIDGE_MAX_FRAME_BYTES", "4194304", "largest frame a worker may send"},
      {"ASTRGATE_BRIDGE_MAX_FRAMES_PER_SECOND", "5000", "frames per second per connection; more are read later"},
  };

  public BridgeOptions {
    if (pingTimeoutMs < 300) {
      throw new IllegalArgumentException("ASTRGATE_BRIDGE_PING_TIMEOUT_MS must be at least 300");
    }
    if (maxFrameBytes < 1024) {
      throw new IllegalArgumentException("ASTRGATE_BRIDGE_MAX_FRAME_BYTES must be at least 1024");
    }
    if (maxFramesPerSecond < 1) {
      throw new IllegalArgumentException("ASTRGATE_BRIDGE_MAX_FRAMES_PER_SECOND must be at least 1");
    }
    if ((tlsCert == null) != (tlsKey == null)) {
      throw new IllegalArgumentException("ASTRGATE_BRIDGE_TLS_CERT and ASTRGATE_BRIDGE_TLS_KEY go together");
    }
  }

  public static BridgeOptions fromEnv(Map<String, String> env) {
    String port = blankToNull(env.get("ASTRGATE_BRIDGE_PORT"));
    return new BridgeOptions(port == null ? null : (int) number(env, "ASTRGATE_BRIDGE_PORT", 0),
        env.getOrDefault("ASTRGATE_BRIDGE_HOST", "127.0.0.1"),
        blankToNull(env.get("ASTRGATE_BRIDGE_TLS_CERT")), blankToNull(env.get("ASTRGATE_BRIDGE_TLS_KEY")),
        number(env, "ASTRGATE_BRIDGE_PING_TIMEOUT_MS", 15_000),
        (int) number(env, "ASTRGATE_BRIDGE_MAX_FRAME_BYTES", 4 * 1024 * 1024),
        (int) number(env, "ASTRGATE_BRIDGE_MAX_FRAMES_PER_SECOND", 5000));
  }

  public boolean enabled() {
    return port != null;
  }

  public boolean tls() {
    return tlsCert != null;
  }

  /** What workers are told to ping at: a third of the timeout, so two lost pings are survived. */
  public long pingIntervalMs() {
    return pingTimeoutMs / 3;
  }

  private static long number(Map<String, String> env, String key, long def) {
    String v = blankToNull(env.get(key));
    if (v == null) {
      return def;
    }
    try {
      long n = Long.parseLong(v);
      if (n < 0 || n > Integer.MAX_VALUE) {
        throw new NumberFormatException();
      }
      return n;
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(key + " must be a non-negative integer, got '" + v + "'");
    }
  }

  private static String blankToNull(String v) {
    return v == null || v.isBlank() ? null : v.strip();
  }
}
