package dev.astrgate.provider;

import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/** A source's API keys with the index in use; a key that gets 401/429 moves every later call to the next one. */
final class KeyRing {
  private final List<String> keys;
  private final AtomicInteger current = new AtomicInteger();

  KeyRing(List<String> keys) {
    this.keys = List.copyOf(keys);
  }

  int size() {
    return keys.size();
  }

  /** The index a new call starts with, or -1 when there are no keys. */
  int current() {
    return keys.isEmpty() ? -1 : Math.floorMod(current.get(), keys.size());
  }

  /** The key at {@code index}, or null for "send no key". */
  String key(int index) {
    return index < 0 ? null : keys.get(index);
  }

  /** Moves to the key after {@code failed} unless another call already moved on; returns that next index. */
  int advanceFrom(int failed) {
    int next = (failed + 1) % keys.size();
    current.compareAndSet(failed, next);
    return next;
  }

  /** Masks any of these keys inside text that came from outside (an upstream may echo the key it refused). */
  String redact(String text) {
    if (text == null) {
      return null;
    }
    String out = text;
    for (String k : keys) {
      if (k.length() >= 4 && out.contains(k)) {
        out = out.replace(k, "***");
      }
    }
    return out;
  }
}
