package dev.astrgate.logging;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.turbo.TurboFilter;
import ch.qos.logback.core.spi.FilterReply;
import org.slf4j.MDC;
import org.slf4j.Marker;

/**
 * Copies the current request id into the MDC on the logging thread, before the event is built, so that it survives
 * the hand-off to the async appender's thread.
 */
public final class RequestIdTurboFilter extends TurboFilter {
  @Override
  public FilterReply decide(Marker marker, Logger logger, Level level, String format, Object[] params, Throwable t) {
    String rid = RequestIds.current();
    if (rid == null) {
      MDC.remove("rid");
    } else {
      MDC.put("rid", rid);
    }
    return FilterReply.NEUTRAL;
  }
}
