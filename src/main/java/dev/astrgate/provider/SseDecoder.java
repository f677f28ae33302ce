package dev.astrgate.provider;

import io.vertx.core.buffer.Buffer;
import java.util.function.BooleanSupplier;

/**
 * Incremental server-sent-events parser over raw bytes. Lines are cut at LF on the bytes, before any UTF-8
 * decoding, so a multi-byte character split across network chunks stays intact (LF never occurs inside one).
 */
final class SseDecoder {
  /** Receives one dispatched event; may throw {@link ProviderException} to stop the stream. */
  interface Sink {
    void event(String name, String data);
  }

  /** A single line longer than this is a broken upstream, not a real event. */
  static final int MAX_LINE = 8 * 1024 * 1024;

  private Buffer pending = Buffer.buffer();
  private int pos;
  /** Where the LF scan resumes, so feeding a long line byte by byte stays linear. */
  private int scanned;
  private String eventName;
  private StringBuilder data;

  void feed(Buffer chunk) {
    if (pos == pending.length()) {
      pending = Buffer.buffer(Math.max(256, chunk.length()));
      pos = 0;
      scanned = 0;
    } else if (pos > 4096) {
      pending = pending.getBuffer(pos, pending.length());
      scanned -= pos;
      pos = 0;
    }
    pending.appendBuffer(chunk);
  }

  /** True when bytes that may hold complete lines are still waiting (the last drain was stopped). */
  boolean hasPending() {
    return pos < pending.length();
  }

  /**
   * Dispatches complete lines until {@code stop} says so (checked before every line, so a pause or a finish
   * raised by the sink takes effect at once). Returns true when every complete line was consumed.
   */
  boolean drain(BooleanSupplier stop, Sink sink) {
    while (true) {
      int nl = indexOfLf();
      if (nl < 0) {
        if (pending.length() - pos > MAX_LINE) {
          throw ProviderException.malformed("stream line longer than " + MAX_LINE + " bytes");
        }
        return true;
      }
      if (stop.getAsBoolean()) {
        return false;
      }
      int end = nl;
      if (end > pos && pending.getByte(end - 1) == '\r') {
        end--;
      }
      String line = pending.getString(pos, end, "UTF-8");
      pos = nl + 1;
      scanned = pos;
      line(line, sink);
    }
  }

  /** At the end of the body: handles a last line without LF and an event without its closing blank line. */
  void finish(Sink sink) {
    if (pos < pending.length()) {
      String line = pending.getString(pos, pending.length(), "UTF-8");
      pos = pending.length();
      scanned = pos;
      if (line.endsWith("\r")) {
        line = line.substring(0, line.length() - 1);
      }
      line(line, sink);
    }
    dispatch(sink);
  }

  private int indexOfLf() {
    int len = pending.length();
    for (int i = Math.max(pos, scanned); i < len; i++) {
      if (pending.getByte(i) == '\n') {
        return i;
      }
    }
    scanned = len;
    return -1;
  }

  private void line(String line, Sink sink) {
    if (line.isEmpty()) {
      dispatch(sink);
      return;
    }
    if (line.charAt(0) == ':') {
      return;
    }
    int colon = line.indexOf(':');
    String field = colon < 0 ? line : line.substring(0, colon);
    String value = colon < 0 ? "" : line.substring(colon + 1);
    if (value.startsWith(" ")) {
      value = value.substring(1);
    }
    switch (field) {
      case "data" -> {
        if (data == null) {
          data = new StringBuilder(value);
        } else {
          data.append('\n').append(value);
        }
      }
      case "event" -> eventName = value;
      default -> {
        // id and retry mean nothing to a one-shot completion stream.
      }
    }
  }

  private void dispatch(Sink sink) {
    String name = eventName == null || eventName.isEmpty() ? "message" : eventName;
    StringBuilder d = data;
    eventName = null;
    data = null;
    if (d != null) {
      sink.event(name, d.toString());
    }
  }
}
