package dev.astrgate.py;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.math.BigDecimal;
import java.util.Map;

/** Python's {@code str()}, {@code repr()} and truthiness of decoded JSON values, so error texts match upstream's. */
public final class PyText {
  private PyText() {
  }

  /** {@code str(v)}. */
  public static String str(Object v) {
    return v instanceof String s ? s : repr(v);
  }

  /** {@code repr(v)}. */
  public static String repr(Object v) {
    if (v == null) {
      return "None";
    }
    if (v instanceof Boolean b) {
      return b ? "True" : "False";
    }
    if (v instanceof String s) {
      return reprString(s);
    }
    if (v instanceof Double || v instanceof Float || v instanceof BigDecimal) {
      return reprFloat(((Number) v).doubleValue());
    }
    if (v instanceof Number n) {
      return n.toString();
    }
    if (v instanceof JsonArray a) {
      StringBuilder sb = new StringBuilder("[");
      for (int i = 0; i < a.size(); i++) {
        sb.append(i == 0 ? "" : ", ").append(repr(a.getValue(i)));
      }
      return sb.append(']').toString();
    }
    if (v instanceof JsonObject o) {
      StringBuilder sb = new StringBuilder("{");
      boolean first = true;
      for (Map.Entry<String, Object> e : o) {
        sb.append(first ? "" : ", ").append(reprString(e.getKey())).append(": ").append(repr(e.getValue()));
        first = false;
      }
      return sb.append('}').toString();
    }
    return v.toString();
  }

  /** Python's {@code bool(v)} for JSON values. */
  public static boolean truthy(Object v) {
    if (v == null) {
      return false;
    }
    if (v instanceof Boolean b) {
      return b;
    }
    if (v instanceof String s) {
      return !s.isEmpty();
    }
    if (v instanceof Number n) {
      return n.doubleValue() != 0;
    }
    if (v instanceof JsonArray a) {
      return !a.isEmpty();
    }
    if (v instanceof JsonObject o) {
      return !o.isEmpty();
    }
    return true;
  }

  static String reprFloat(double d) {
    if (Double.isNaN(d)) {
      return "nan";
    }
    if (Double.isInfinite(d)) {
      return d > 0 ? "inf" : "-inf";
    }
    if (d == Math.rint(d) && Math.abs(d) < 1e16) {
      return String.format("%.1f", d);
    }
    String s = Double.toString(d);
    return s.replace("E", "e+").replace("e+-", "e-");
  }

  /** Single quotes unless the text holds a single quote and no double quote, as CPython chooses. */
  static String reprString(String s) {
    char q = s.indexOf('\'') >= 0 && s.indexOf('"') < 0 ? '"' : '\'';
    StringBuilder sb = new StringBuilder(s.length() + 2).append(q);
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '\\' -> sb.append("\\\\");
        case '\n' -> sb.append("\\n");
        case '\r' -> sb.append("\\r");
        case '\t' -> sb.append("\\t");
        default -> {
          if (c == q) {
            sb.append('\\').append(c);
          } else if (c < 0x20 || c == 0x7f) {
            sb.append(String.format("\\x%02x", (int) c));
          } else {
            sb.append(c);
          }
        }
      }
    }
    return sb.append(q).toString();
  }
}
