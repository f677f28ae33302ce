package dev.astrgate.platform;

import dev.astrgate.py.PyText;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.astrgate.platform.onebot.OneBotCodec;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Pure pieces: UMO parsing with Python's error texts, Python str/repr, CQ codes, the wake rule, config reading. */
class PlatformUnitTest {
  @Test
  void umoSplitsOnTheFirstTwoColons() {
    Umo u = Umo.parse("qq:GroupMessage:a:b:c");
    assertEquals("qq", u.platformId());
    assertEquals("a:b:c", u.sessionId());
    assertTrue(u.group());
    assertEquals("'Foo' is not a valid MessageType",
        assertThrows(Umo.InvalidUmo.class, () -> Umo.parse("x:Foo:1")).getMessage());
    assertEquals("\"it's\" is not a valid MessageType",
        assertThrows(Umo.InvalidUmo.class, () -> Umo.parse("x:it's:1")).getMessage());
    assertEquals("'' is not a valid MessageType", assertThrows(Umo.InvalidUmo.class, () -> Umo.parse("x::1")).getMessage());
    assertEquals("not enough values to unpack (expected 3, got 2)",
        assertThrows(Umo.InvalidUmo.class, () -> Umo.parse("a:b")).getMessage());
  }

  @Test
  void pythonTexts() {
    assertEquals("None", PyText.str(null));
    assertEquals("True", PyText.str(true));
    assertEquals("1.5", PyText.str(1.5));
    assertEquals("2.0", PyText.str(2.0));
    assertEquals("['a', 1]", PyText.str(new JsonArray().add("a").add(1)));
    assertEquals("{'k': None}", PyText.str(new JsonObject().putNull("k")));
    assertFalse(PyText.truthy(0));
    assertFalse(PyText.truthy(new JsonArray()));
    assertTrue(PyText.truthy("0"));
  }

  @Test
  void cqCodesParseWithEscapes() {
    JsonArray segs = OneBotCodec.parseCq("a&#91;1&#93;[CQ:image,file=x.png,url=http://h/p?a=1&#44;2]b &amp; c[CQ:face,id=1]");
    assertEquals(4, segs.size());
    assertEquals("a[1]", segs.getJsonObject(0).getJsonObject("data").getString("text"));
    assertEquals("http://h/p?a=1,2", segs.getJsonObject(1).getJsonObject("data").getString("url"));
    assertEquals("b & c", segs.getJsonObject(2).getJsonObject("data").getString("text"));
    OneBotCodec.Inbound in = OneBotCodec.read(segs, "1");
    assertEquals("a[1]b & c", in.text());
    assertEquals("image", in.parts().getJsonObject(1).getString("type"));
    assertEquals("unknown", in.parts().getJsonObject(3).getString("type"));
    assertEquals("x[y", OneBotCodec.parseCq("x[y").getJsonObject(0).getJsonObject("data").getString("text"));
  }

  @Test
  void wakeRule() {
    WakeRule w = new WakeRule(List.of("/", "bot "));
    assertTrue(w.check(false, false, "hello").wake());
    assertFalse(w.check(true, false, "hello").wake());
    assertTrue(w.check(true, true, "hello").wake());
    assertEquals("help", w.check(true, false, " /help").text());
    assertEquals("x", w.check(true, false, "bot x").text());
  }

  @Test
  void configEntriesAndWakePrefixes() {
    JsonObject conf = new JsonObject().put("platform", new JsonArray()
            .add(new JsonObject().put("id", "a").put("type", "aiocqhttp").put("enable", true))
            .add(new JsonObject().put("id", "b").put("type", "telegram"))
            .add(new JsonObject().put("id", "a").put("type", "telegram").put("enable", true))
            .add(new JsonObject().put("id", "").put("enable", true)))
        .put("wake_prefix", new JsonArray().add("#"));
    assertEquals(1, PlatformConfig.enabled(conf).size());
    assertEquals("aiocqhttp", PlatformConfig.enabled(conf).get(0).getString("type"));
    assertEquals(List.of("#"), PlatformConfig.wakePrefixes(conf));
    assertEquals(List.of("/"), PlatformConfig.wakePrefixes(new JsonObject()));
    assertEquals(List.of("~"), PlatformConfig.wakePrefixes(new JsonObject()
        .put("platform_settings", new JsonObject().put("wake_prefix", "~")).put("wake_prefix", "#")));
  }
}
