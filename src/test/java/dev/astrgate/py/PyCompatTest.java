package dev.astrgate.py;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

/**
 * The Python-compat helpers against CPython 3's own output. Every expected value below was printed by python3
 * ({@code repr(x)}, {@code str(x)}, {@code bool(x)}, {@code json.dumps(x, ensure_ascii=False)}) and pasted as a literal.
 */
class PyCompatTest {
  @Test
  void floatsFormatAsCpythonReprAndJsonDumps() {
    assertEquals("0.0", PyText.reprFloat(0.0));
    assertEquals("0.0", PyJson.encode(0.0d));
    assertEquals("-0.0", PyText.reprFloat(-0.0));
    assertEquals("-0.0", PyJson.encode(-0.0d));
    assertEquals("1.0", PyText.reprFloat(1.0));
    assertEquals("1.0", PyJson.encode(1.0d));
    assertEquals("2.0", PyText.reprFloat(2.0));
    assertEquals("2.0", PyJson.encode(2.0d));
    assertEquals("1.5", PyText.reprFloat(1.5));
    assertEquals("1.5", PyJson.encode(1.5d));
    assertEquals("-2.5", PyText.reprFloat(-2.5));
    assertEquals("-2.5", PyJson.encode(-2.5d));
    assertEquals("0.1", PyText.reprFloat(0.1));
    assertEquals("0.1", PyJson.encode(0.1d));
    assertEquals("0.30000000000000004", PyText.reprFloat(0.30000000000000004));
    assertEquals("0.30000000000000004", PyJson.encode(0.30000000000000004d));
    assertEquals("0.3333333333333333", PyText.reprFloat(0.3333333333333333));
    assertEquals("0.3333333333333333", PyJson.encode(0.3333333333333333d));
    assertEquals("100.0", PyText.reprFloat(100.0));
    assertEquals("100.0", PyJson.encode(100.0d));
    assertEquals("1000000000000000.0", PyText.reprFloat(1000000000000000.0));
    assertEquals("1000000000000000.0", PyJson.encode(1000000000000000.0d));
    assertEquals("1e+16", PyText.reprFloat(1e16));
    assertEquals("1e+16", PyJson.encode(1e16d));
    assertEquals("1.5e+16", PyText.reprFloat(1.5e16));
    assertEquals("1.5e+16", PyJson.encode(1.5e16d));
    assertEquals("1.2345678901234568e+17", PyText.reprFloat(1.2345678901234568e17));
    assertEquals("1.2345678901234568e+17", PyJson.encode(1.2345678901234568e17d));
    assertEquals("0.0001", PyText.reprFloat(0.0001));
    assertEquals("0.0001", PyJson.encode(0.0001d));
    assertEquals("1e-05", PyText.reprFloat(1e-05));
    assertEquals("1e-05", PyJson.encode(1e-05d));
    assertEquals("0.00012345", PyText.reprFloat(0.00012345));
    assertEquals("0.00012345", PyJson.encode(0.00012345d));
    assertEquals("1.5e-07", PyText.reprFloat(1.5e-07));
    assertEquals("1.5e-07", PyJson.encode(1.5e-07d));
    assertEquals("1e+22", PyText.reprFloat(1e22));
    assertEquals("1e+22", PyJson.encode(1e22d));
    assertEquals("1e+23", PyText.reprFloat(1e23));
    assertEquals("1e+23", PyJson.encode(1e23d));
    assertEquals("-1e-10", PyText.reprFloat(-1e-10));
    assertEquals("-1e-10", PyJson.encode(-1e-10d));
    assertEquals("1700000000.123456", PyText.reprFloat(1700000000.123456));
    assertEquals("1700000000.123456", PyJson.encode(1700000000.123456d));
    assertEquals("5e-324", PyText.reprFloat(5e-324));
    assertEquals("5e-324", PyJson.encode(5e-324d));
    assertEquals("1.7976931348623157e+308", PyText.reprFloat(1.7976931348623157e308));
    assertEquals("1.7976931348623157e+308", PyJson.encode(1.7976931348623157e308d));
    assertEquals("nan", PyText.reprFloat(Double.NaN));
    assertEquals("inf", PyText.reprFloat(Double.POSITIVE_INFINITY));
    assertEquals("-inf", PyText.reprFloat(Double.NEGATIVE_INFINITY));
    assertEquals("NaN", PyJson.encode(Double.NaN));
    assertEquals("Infinity", PyJson.encode(Double.POSITIVE_INFINITY));
    assertEquals("-Infinity", PyJson.encode(Double.NEGATIVE_INFINITY));
  }

  @Test
  void stringsReprAndDumpAsCpython() {
    assertEquals("'plain'", PyText.repr("plain"));
    assertEquals("\"plain\"", PyJson.encode("plain"));
    assertEquals("\"it's\"", PyText.repr("it's"));
    assertEquals("\"it's\"", PyJson.encode("it's"));
    assertEquals("'say \"hi\"'", PyText.repr("say \"hi\""));
    assertEquals("\"say \\\"hi\\\"\"", PyJson.encode("say \"hi\""));
    assertEquals("'both \\' and \"'", PyText.repr("both ' and \""));
    assertEquals("\"both ' and \\\"\"", PyJson.encode("both ' and \""));
    assertEquals("'tab\\tnew\\nline\\\\'", PyText.repr("tab\tnew\nline\\"));
    assertEquals("\"tab\\tnew\\nline\\\\\"", PyJson.encode("tab\tnew\nline\\"));
    assertEquals("'\\x01\\x7f'", PyText.repr("\u0001\u007f"));
    assertEquals("\"\\u0001\u007f\"", PyJson.encode("\u0001\u007f"));
    assertEquals("'\u00e9\u4e2d'", PyText.repr("\u00e9\u4e2d"));
    assertEquals("\"\u00e9\u4e2d\"", PyJson.encode("\u00e9\u4e2d"));
  }

  @Test
  void containersAndScalarsStrAndDumpAsCpython() {
    JsonArray list = new JsonArray().add(1).add("a").addNull().add(true).add(1.0);
    JsonObject dict = new JsonObject().putNull("k").put("n", new JsonArray().add(1).add(2.5)).put("s", "x'y");
    assertEquals("None", PyText.str(null));
    assertEquals("True", PyText.str(true));
    assertEquals("False", PyText.str(false));
    assertEquals("[1, 'a', None, True, 1.0]", PyText.str(list));
    assertEquals("[1, \"a\", null, true, 1.0]", PyJson.encode(list));
    assertEquals("{'k': None, 'n': [1, 2.5], 's': \"x'y\"}", PyText.str(dict));
    assertEquals("{\"k\": null, \"n\": [1, 2.5], \"s\": \"x'y\"}", PyJson.encode(dict));
    assertEquals("{}", PyText.str(new JsonObject()));
    assertEquals("null", PyJson.encode(null));
    assertEquals("true", PyJson.encode(true));
  }

  @Test
  void truthinessIsCpythonsBool() {
    assertEquals(false, PyText.truthy(null));
    assertEquals(true, PyText.truthy(true));
    assertEquals(false, PyText.truthy(false));
    assertEquals(false, PyText.truthy(0));
    assertEquals(true, PyText.truthy(1));
    assertEquals(false, PyText.truthy(0.0));
    assertEquals(false, PyText.truthy(-0.0));
    assertEquals(true, PyText.truthy(0.5));
    assertEquals(false, PyText.truthy(""));
    assertEquals(true, PyText.truthy("0"));
    assertEquals(false, PyText.truthy(new JsonArray()));
    assertEquals(true, PyText.truthy(new JsonArray().add(0)));
    assertEquals(false, PyText.truthy(new JsonObject()));
    assertEquals(true, PyText.truthy(new JsonObject().put("a", 1)));
  }
}
