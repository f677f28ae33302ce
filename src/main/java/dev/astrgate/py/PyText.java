package dev.astrgate.py;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.math.BigDecimal;
import java.util.Map;

/**
 * Python's {@code str()}, {@code repr()}, float formatting and truthiness of decoded JSON values, so texts match
 * upstream's byte for byte; {@link PyJson} is the {@code json.dumps} half. The one Python-compat helper set.
 */
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

  /**
   * CPython's {@code repr(float)}: the shortest digits that round-trip, fixed notation for decimal exponents from -4
   * to 15, else scientific with a sign and at least two exponent digits ({@code 1e+16}, {@code 1.5e-05}).
   */
  public static String reprFloat(double d) {
    if (Double.isNaN(d)) {
      return "nan";
    }
    if (Double.isInfinite(d)) {
      return d > 0 ? "inf" : "-inf";
    }
    if (d == 0) {
      return (1 / d < 0) ? "-0.0" : "0.0";
    }
    BigDecimal shortest = shortest(d);
    int exponent = shortest.precision() - shortest.scale() - 1;
    if (exponent >= -4 && exponent < 16) {
      String plain = shortest.toPlainString();
      return plain.contains(".") ? plain : plain + ".0";
    }
    String digits = shortest.unscaledValue().abs().toString();
    StringBuilder sb = new StringBuilder();
    if (d < 0) {
      sb.append('-');
    }
    sb.append(digits.charAt(0));
    if (digits.length() > 1) {
      sb.append('.').append(digits, 1, digits.length());
    }
    sb.append('e').append(exponent < 0 ? '-' : '+');
    int abs = Math.abs(exponent);
    if (abs < 10) {
      sb.append('0');
    }
    return sb.append(abs).toString();
  }

  /**
   * The shortest decimal that reads back as {@code d}. Java 17's {@code Double.toString} is not always shortest
   * (1e23 prints as 9.999999999999999E22), so long outputs are re-derived from the exact value, shortest first.
   */
  private static BigDecimal shortest(double d) {
    BigDecimal fromJava = new BigDecimal(Double.toString(d)).stripTrailingZeros();
    int p = fromJava.precision();
    if (p == 1) {
      return fromJava;
    }
    BigDecimal exact = new BigDecimal(d);
    // Short outputs can be one digit too long (Java prints at least two: 4.9E-324 for 5e-324); long ones more.
    for (int digits = p < 16 ? p - 1 : 1; digits < p; digits++) {
      BigDecimal candidate = exact.round(new java.math.MathContext(digits, java.math.RoundingMode.HALF_EVEN));
      if (candidate.doubleValue() == d) {
        return candidate.stripTrailingZeros();
      }
    }
    return fromJava;
  }

  /** Single quotes unless the text holds a single quote and no double quote, as CPython chooses. */
  public static String reprString(String s) {
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
