package dev.astrgate.bench;

import java.util.Arrays;
import java.util.List;

/** A growable array of nanosecond samples with percentiles; one per worker, merged at the end. */
final class Samples {
  private long[] values = new long[256];
  private int size;

  void add(long v) {
    if (size == values.length) {
      values = Arrays.copyOf(values, size * 2);
    }
    values[size++] = v;
  }

  int size() {
    return size;
  }

  static Samples merge(List<Samples> parts) {
    Samples all = new Samples();
    int total = parts.stream().mapToInt(Samples::size).sum();
    all.values = new long[Math.max(1, total)];
    for (Samples p : parts) {
      System.arraycopy(p.values, 0, all.values, all.size, p.size);
      all.size += p.size;
    }
    Arrays.sort(all.values, 0, all.size);
    return all;
  }

  /** Milliseconds at quantile {@code q} of a merged (sorted) set; NaN when empty. */
  double ms(double q) {
    if (size == 0) {
      return Double.NaN;
    }
    int i = (int) Math.ceil(q * size) - 1;
    return values[Math.max(0, Math.min(size - 1, i))] / 1e6;
  }

  double maxMs() {
    return size == 0 ? Double.NaN : values[size - 1] / 1e6;
  }
}
