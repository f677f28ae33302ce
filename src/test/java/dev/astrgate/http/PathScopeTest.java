package dev.astrgate.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.astrgate.auth.Scopes;
import dev.astrgate.support.RawHttp;
import dev.astrgate.support.TestNode;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Every contract path, and every way of spelling it differently, through a key of every scope: the canonical
 * spelling is served only with the path's scope, and no other spelling reaches a handler (each is a 404 envelope).
 */
class PathScopeTest {
  /** Upstream's scope of each path (ASTRBOT.md B §2.2), written out here on purpose, independent of the router. */
  private static final Map<String, String> EXPECTED = Map.of(
      "/api/v1/chat", "chat", "/api/v1/chat/sessions", "chat", "/api/v1/configs", "config",
      "/api/v1/file", "file", "/api/v1/im/message", "im", "/api/v1/im/bots", "im");

  private static TestNode node;
  private static final Map<String, String> keys = new LinkedHashMap<>();

  @BeforeAll
  static void setUp() {
    node = TestNode.start();
    for (String s : Scopes.ALL) {
      keys.put(s, node.createKey(s));
    }
    keys.put("all", node.createKey());
  }

  @AfterAll
  static void tearDown() {
    node.close();
  }

  /** method + path of every operation of the contract, plus the download the contract lacks. */
  private static List<String[]> operations() {
    JsonObject paths = new JsonObject(Contract.raw()).getJsonObject("paths");
    List<String[]> ops = new ArrayList<>();
    for (String path : paths.fieldNames()) {
      for (String method : paths.getJsonObject(path).fieldNames()) {
        ops.add(new String[] {method.toUpperCase(), path});
      }
    }
    ops.add(new String[] {"GET", "/api/v1/file"});
    return ops;
  }

  /** Spellings the router might take for {@code path}, none of them canonical. */
  static List<String> variants(String path) {
    int last = path.lastIndexOf('/');
    String head = path.substring(0, last);
    String tail = path.substring(last + 1);
    String encodedFirst = "%" + Integer.toHexString(tail.charAt(0)).toUpperCase();
    return List.of(
        path + "/", path + "//", path + "/.", path + "/./", path + "/..", path + "/x/..",
        head + "//" + tail, head + "/./" + tail, head + "/x/../" + tail, "/" + path,
        head + "%2F" + tail, head + "%2f" + tail, path + "%2F", head + "/%2e/" + tail, head + "/" + encodedFirst
            + tail.substring(1), head + "\\" + tail, path + "%00", path + "/%2e%2e", head.replace("/v1", "/v1/") + "/" + tail);
  }

  @Test
  void canonicalPathsNeedTheirScopeAndNoVariantReachesAHandler() {
    List<String> failures = new ArrayList<>();
    int checked = 0;
    for (String[] op : operations()) {
      String method = op[0];
      String path = op[1];
      String needed = EXPECTED.get(path);
      assertTrue(needed != null, "a contract path the test does not know: " + path);
      for (Map.Entry<String, String> k : keys.entrySet()) {
        boolean holds = k.getKey().equals("all") || k.getKey().equals(needed);
        RawHttp.Reply r = RawHttp.request(node.port(), method, path + (method.equals("GET") ? "?username=u&attachment_id=x" : ""), k.getValue());
        checked++;
        if (holds) {
          if (r.status() == 403 || r.status() == 404 && r.json().getString("message").startsWith("Not found:")
              || r.status() >= 500) {
            failures.add(method + " " + path + " key=" + k.getKey() + " holds the scope but got " + r.status() + " " + r.body());
          }
        } else if (r.status() != 403 || !"Insufficient API key scope".equals(r.json().getString("message"))) {
          failures.add(method + " " + path + " key=" + k.getKey() + " lacks the scope but got " + r.status() + " " + r.body());
        }
        for (String v : variants(path)) {
          String target = v + (method.equals("GET") ? "?username=u&attachment_id=x" : "");
          RawHttp.Reply rv = RawHttp.request(node.port(), method, target, k.getValue());
          checked++;
          if (rv.status() != 404 || !"error".equals(rv.json().getString("status"))
              || !rv.json().getString("message").equals("Not found: " + method + " " + v)) {
            failures.add(method + " " + target + " key=" + k.getKey() + " got " + rv.status() + " " + rv.body());
          }
        }
      }
    }
    assertEquals(List.of(), failures, failures.size() + " of " + checked + " requests broke the rule");
  }

  @Test
  void aVariantWithoutAKeyIsStill401AndOutsideTheApiA404() {
    RawHttp.Reply r = RawHttp.request(node.port(), "GET", "/api/v1/configs/", null);
    assertEquals(401, r.status(), r.toString());
    assertEquals("Missing API key", r.json().getString("message"));
    RawHttp.Reply h = RawHttp.request(node.port(), "GET", "/healthz/", null);
    assertEquals(404, h.status(), h.toString());
    assertEquals("Not found: GET /healthz/", h.json().getString("message"));
    RawHttp.Reply c = RawHttp.request(node.port(), "GET", "/api/v1/./openapi.json", null);
    assertEquals(401, c.status(), c.toString());
    assertNotEquals(200, RawHttp.request(node.port(), "GET", "/api/v1//openapi.json", keys.get("chat")).status());
  }

  @Test
  void aWrongMethodMeetsTheScopeFirstThen405() {
    RawHttp.Reply r = RawHttp.request(node.port(), "DELETE", "/api/v1/configs", keys.get("chat"));
    assertEquals(403, r.status(), r.toString());
    RawHttp.Reply ok = RawHttp.request(node.port(), "DELETE", "/api/v1/configs", keys.get("config"));
    assertEquals(405, ok.status(), ok.toString());
    assertEquals("Method not allowed: DELETE /api/v1/configs", ok.json().getString("message"));
  }
}
