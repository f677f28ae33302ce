package dev.astrgate.store;

import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

/** Renders timestamps as upstream does: Python isoformat in UTC, microseconds only when non-zero. */
public final class Timestamps {
  private static final DateTimeFormatter BASE = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss");

  private Timestamps() {
  }

  public static String iso(OffsetDateTime t) {
    if (t == null) {
      return null;
    }
    OffsetDateTime u = t.withOffsetSameInstant(ZoneOffset.UTC);
    int micros = u.getNano() / 1000;
    String base = BASE.format(u);
    return micros == 0 ? base + "+00:00" : base + String.format(".%06d", micros) + "+00:00";
  }
}
