package dev.astrgate.provider;

/** Token counts of one call, split as AstrBot's agent_stats: uncached input, cached input, output. */
public record Usage(long inputOther, long inputCached, long output) {
  public static final Usage NONE = new Usage(0, 0, 0);
}
