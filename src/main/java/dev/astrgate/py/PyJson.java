package dev.astrgate.py;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Map;

/**
 * Encodes JSON exactly as Python's {@code json.dumps(obj, ensure_ascii=False)}: separators {@code ", "} and
 * {@code ": "}, raw UTF-8, insertion key order. Upstream's SSE frames are written this way and clients compare bytes.
 */
public final class PyJson {
  private PyJson() {
  }

  public static String encode(Object value) {
    StringBuilder sb = new StringBuilder(128);
    write(sb, value);
    return sb.toString();
  }

  private static void write(StringBuilder sb, Object v) {
    if (v == null) {
      sb.append("null");
    } else if (v instanceof String s) {
      string(sb, s);
    } else if (v instanceof Boolean b) {
      sb.append(b ? "true" : "false");
    } else if (v instanceof Double || v instanceof Float) {
      sb.append(pyFloat(((Number) v).doubleValue()));
    } else if (v instanceof Number n) {
      sb.append(n.longValue());
    } else if (v instanceof JsonObject o) {
      writeMap(sb, o.getMap());
    } else if (v instanceof Map<?, ?> m) {
      writeMap(sb, m);
    } else if (v instanceof JsonArray a) {
      writeList(sb, a.getList());
    } else if (v instanceof List<?> l) {
      writeList(sb, l);
    } else {
      string(sb, v.toString());
    }
  }

  private static void writeMap(StringBuilder sb, Map<?, ?> m) {
    sb.append('{');
    boolean first = true;
    for (Map.Entry<?, ?> e : m.entrySet()) {
      if (!first) {
        sb.append(", ");
      }
      first = false;
      string(sb, String.valueOf(e.getKey()));
      sb.append(": ");
      write(sb, e.getValue());
    }
    sb.append('}');
  }

  private static void writeList(StringBuilder sb, List<?> l) {
    sb.append('[');
    for (int i = 0; i < l.size(); i++) {
      if (i > 0) {
        sb.append(", ");
      }
      write(sb, l.get(i));
    }
    sb.append(']');
  }

  private static void string(StringBuilder sb, String s) {
    sb.append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> sb.append("\\\"");
        case '\\' -> sb.append("\\\\");
        case '\n' -> sb.append("\\n");
        case '\r' -> sb.append("\\r");
        case '\t' -> sb.append("\\t");
        case '\b' -> sb.append("\\b");
        case '\f' -> sb.append("\\f");
        default -> {
          if (c < 0x20) {
            sb.append(String.format("\\u%04x", (int) c));
          } else {
            sb.append(c);
          }
        }
      }
    }
    sb.append('"');
  }

  /** {@code json.dumps} of a float: {@code repr(float)}, except the non-finite values' names. */
  public static String pyFloat(double d) {
    if (Double.isNaN(d) || Double.isInfinite(d)) {
      return Double.isNaN(d) ? "NaN" : (d > 0 ? "Infinity" : "-Infinity");
    }
    return PyText.reprFloat(d);
  }
}
