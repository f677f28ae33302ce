package dev.astrgate.config;

import java.util.Map;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Expands {@code ${VAR}} and {@code ${VAR:-default}} inside conf string values. */
public final class Interpolator {
  private static final Pattern REF = Pattern.compile("\\$\\{([A-Za-z_][A-Za-z0-9_]*)(:-([^}]*))?}");

  private final Function<String, String> env;

  public Interpolator(Map<String, String> env) {
    this.env = env::get;
  }

  /** Returns the expanded value, or throws IllegalArgumentException naming an unset variable. */
  public String expand(String value) {
    if (value.indexOf("${") < 0) {
      return value;
    }
    Matcher m = REF.matcher(value);
    StringBuilder out = new StringBuilder();
    while (m.find()) {
      String name = m.group(1);
      String val = env.apply(name);
      if (val == null || (val.isEmpty() && m.group(2) != null)) {
        if (m.group(2) == null) {
          throw new IllegalArgumentException("environment variable " + name + " is not set (use ${" + name + ":-default})");
        }
        val = m.group(3);
      }
      m.appendReplacement(out, Matcher.quoteReplacement(val));
    }
    m.appendTail(out);
    return out.toString();
  }
}
