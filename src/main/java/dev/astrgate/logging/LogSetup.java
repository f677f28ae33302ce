package dev.astrgate.logging;

import ch.qos.logback.classic.LoggerContext;
import org.slf4j.LoggerFactory;

/** Puts the node's name on every log line ({@code %property{node}} and the JSON {@code node} field). */
public final class LogSetup {
  private LogSetup() {
  }

  public static void nodeName(String name) {
    if (LoggerFactory.getILoggerFactory() instanceof LoggerContext ctx) {
      ctx.putProperty("node", name);
    }
  }
}
